package dev.credits;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The configured credit types, by id. Immutable. */
public final class CreditTypes {
    private final Map<String, CreditType> byId;

    private CreditTypes(Map<String, CreditType> byId) {
        this.byId = byId;
    }

    public static CreditTypes of(List<CreditType> types) {
        if (types == null || types.isEmpty()) {
            throw new IllegalArgumentException("at least one credit type is required");
        }
        Map<String, CreditType> byId = new LinkedHashMap<>();
        for (CreditType type : types) {
            if (byId.put(type.id(), type) != null) {
                throw new IllegalArgumentException("credit type '" + type.id() + "' is defined twice");
            }
        }
        return new CreditTypes(Collections.unmodifiableMap(byId));
    }

    /** Exactly the default type of the API: {@code credits}, scale 2, no overdraft. */
    public static CreditTypes defaults() {
        return of(List.of(CreditType.defaultType()));
    }

    /** The type with this id, or {@link UnknownCreditTypeException}. */
    public CreditType require(String id) {
        CreditType type = id == null ? null : byId.get(id);
        if (type == null) {
            throw new UnknownCreditTypeException(String.valueOf(id));
        }
        return type;
    }

    public boolean contains(String id) {
        return byId.containsKey(id);
    }

    public Collection<CreditType> all() {
        return byId.values();
    }
}
