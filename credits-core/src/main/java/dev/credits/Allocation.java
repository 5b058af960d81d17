package dev.credits;

/**
 * One part of a spend: how much one grant paid. {@code grantId} is null for the part paid by
 * overdraft (debt).
 */
public record Allocation(String grantId, Amount amount) {
}
