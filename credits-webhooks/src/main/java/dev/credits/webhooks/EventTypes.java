package dev.credits.webhooks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The event types of the contract, by their wire names, and the names the outbox stores them
 * under. Each event of the outbox with a wire name is sent to the endpoints subscribed to it.
 */
public final class EventTypes {
    /** Subscribes an endpoint to every type. */
    public static final String ALL = "*";

    /** Every wire name of the contract (API.md, "Webhooks"). */
    public static final List<String> WIRE_NAMES = List.of("credits.granted", "credits.spent",
            "credits.expired", "credits.adjusted", "grant.voided", "hold.created",
            "hold.captured", "hold.released", "hold.expired", "credits.expiring_soon",
            "balance.low", "balance.recovered", "balance.depleted", "subscription.created",
            "subscription.renewed", "subscription.changed", "subscription.canceled",
            "purchase.completed", "purchase.refunded", "ai_call.completed", "topup.requested",
            "topup.succeeded", "topup.failed", "webhook_endpoint.disabled");

    /** The outbox's stored name of an event, and its wire name. */
    private static final Map<String, String> BY_STORED_NAME = byStoredName();

    /** The stored name of the event that says an endpoint was disabled. */
    static final String ENDPOINT_DISABLED = "WebhookEndpointDisabled";

    private EventTypes() {
    }

    private static Map<String, String> byStoredName() {
        Map<String, String> names = new LinkedHashMap<>();
        names.put("CreditsGranted", "credits.granted");
        names.put("CreditsSpent", "credits.spent");
        names.put("CreditsExpired", "credits.expired");
        names.put("CreditsExpiringSoon", "credits.expiring_soon");
        names.put("CreditsAdjusted", "credits.adjusted");
        names.put("GrantVoided", "grant.voided");
        names.put("CreditsHeld", "hold.created");
        names.put("HoldCaptured", "hold.captured");
        names.put("HoldReleased", "hold.released");
        names.put("HoldExpired", "hold.expired");
        names.put("BalanceLow", "balance.low");
        names.put("BalanceRecovered", "balance.recovered");
        names.put("BalanceDepleted", "balance.depleted");
        names.put("SubscriptionCreated", "subscription.created");
        names.put("SubscriptionRenewed", "subscription.renewed");
        names.put("SubscriptionChanged", "subscription.changed");
        names.put("SubscriptionCanceled", "subscription.canceled");
        names.put("ProductPurchased", "purchase.completed");
        names.put("PurchaseRefunded", "purchase.refunded");
        names.put("AiCallCompleted", "ai_call.completed");
        names.put(AutoTopups.REQUESTED, "topup.requested");
        names.put(AutoTopups.SUCCEEDED, "topup.succeeded");
        names.put(AutoTopups.FAILED, "topup.failed");
        names.put(ENDPOINT_DISABLED, "webhook_endpoint.disabled");
        return Map.copyOf(names);
    }

    /** The wire name of an event stored as {@code storedName}; null for one that is not sent. */
    public static String wireName(String storedName) {
        return BY_STORED_NAME.get(storedName);
    }

    /** The stored names of the events of wire name {@code wireName} (none for an unknown one). */
    static List<String> storedNames(String wireName) {
        return BY_STORED_NAME.entrySet().stream().filter(e -> e.getValue().equals(wireName))
                .map(Map.Entry::getKey).toList();
    }

    static Set<String> storedNames() {
        return BY_STORED_NAME.keySet();
    }

    /** The stored names of the ledger's own events: those that change a wallet's balance. */
    private static final Set<String> LEDGER_EVENTS = Set.of("CreditsGranted", "CreditsSpent",
            "CreditsExpired", "CreditsAdjusted", "GrantVoided", "CreditsHeld", "HoldCaptured",
            "HoldReleased", "HoldExpired");

    static boolean isLedgerEvent(String storedName) {
        return LEDGER_EVENTS.contains(storedName);
    }

    public static boolean isKnown(String wireName) {
        return WIRE_NAMES.contains(wireName);
    }
}
