package dev.credits;

/** A field that is missing or out of range. {@link #field()} names it, as on the wire. */
public final class ValidationException extends CreditsException {
    private final String field;

    public ValidationException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }

    /** The message without the field name. */
    public String reason() {
        return getMessage().substring(field.length() + 2);
    }

    @Override
    public String code() {
        return "validation_failed";
    }
}
