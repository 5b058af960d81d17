package dev.credits;

import java.util.List;

/** The outcome of a spend: the usage transaction, the balances after it, and who paid. */
public record SpendResult(String transactionId, String customerId, String creditType,
                          Amount amount, Amount balance, Amount available,
                          List<Allocation> allocations) {
}
