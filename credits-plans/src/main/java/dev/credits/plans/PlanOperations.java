package dev.credits.plans;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.credits.Credits;
import dev.credits.CreditsException;
import dev.credits.GrantSource;
import dev.credits.IdempotencyKeys;
import dev.credits.InvalidStateException;
import dev.credits.NotFoundException;
import dev.credits.OverloadedException;
import dev.credits.StorageUnavailableException;
import dev.credits.ValidationException;
import dev.credits.internal.Command;
import dev.credits.postgres.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recorded operations on a subscription's credits (V8__subscription_operations.sql). A plan
 * change or cancellation decides its ledger steps under the subscription's lock and records them
 * with the subscription's new state in one transaction; then the steps run through the ledger,
 * each with a key derived from the operation, so that running them again (after a crash, an
 * outage, a timeout, in another process) replays what was done and does the rest, exactly once.
 * While an operation is pending, nothing else decides on that subscription's credits: a change,
 * a cancellation or a renewal that finds one under the lock completes it first.
 */
final class PlanOperations {
    static final String TAKE_BACK = "take_back";
    static final String VOID = "void";
    static final String GRANT = "grant";
    static final int PENDING_BATCH_MAX = 500;
    /** Times a decision under the lock waits for pending operations to complete. */
    static final int DECIDE_ATTEMPTS_MAX = 5;
    private static final Logger LOG = LoggerFactory.getLogger(PlanOperations.class);
    private static final TypeReference<List<Map<String, Object>>> STEP_LIST =
            new TypeReference<>() {
            };

    /**
     * One ledger step, made once under {@code key}. {@code take_back}: at most {@code units} of
     * grant {@code grantId}'s remaining; {@code void}: all of it; {@code grant}: a new grant
     * ({@code grant}, whose key is {@code key}) of the period starting at {@code periodStart}.
     */
    record Step(String action, String key, String grantId, long units, PlannedGrant grant,
                Instant periodStart) {
        static Step takeBack(String grantId, long units) {
            return new Step(TAKE_BACK, null, grantId, units, null, null);
        }

        static Step voidAll(String grantId) {
            return new Step(VOID, null, grantId, 0, null, null);
        }

        static Step grant(PlannedGrant grant, Instant periodStart) {
            return new Step(GRANT, null, null, grant.units(), grant, periodStart);
        }

        Step withKey(String value) {
            PlannedGrant keyed = grant == null ? null : new PlannedGrant(value,
                    grant.creditType(), grant.units(), grant.kind(), grant.effectiveAt(),
                    grant.expiresAt());
            return new Step(action, value, grantId, units, keyed, periodStart);
        }
    }

    record OperationRow(String customerId, String id, String subscriptionId, String reason,
                        List<Step> steps) {
    }

    /** Thrown under a subscription's lock when one of its operations is still pending. */
    static final class PendingException extends RuntimeException {
        PendingException() {
            super("an operation of the subscription is still pending", null, false, false);
        }
    }

    /** A decision made under the subscription's lock. */
    interface Decision<T> {
        T decide() throws SQLException;
    }

    private final Credits credits;
    private final SubscriptionStore store;
    private final Granting granting;

    PlanOperations(Credits credits, SubscriptionStore store, Granting granting) {
        this.credits = credits;
        this.store = store;
        this.granting = granting;
    }

    /**
     * Runs {@code decision} (which locks the subscription and calls {@link #requireNonePending})
     * after completing the subscription's pending operations and running {@code complete} (which
     * makes the grants of the subscription's current period), again while either is found
     * unfinished under the lock.
     */
    <T> T afterPending(String subscriptionId, Runnable complete,
                       java.util.function.Supplier<T> decision) {
        for (int attempt = 1; ; attempt++) {
            completePending(subscriptionId);
            complete.run();
            try {
                return decision.get();
            } catch (PendingException e) {
                if (attempt >= DECIDE_ATTEMPTS_MAX) {
                    throw new InvalidStateException("subscription " + subscriptionId
                            + " keeps changing; retry");
                }
            }
        }
    }

    /**
     * Under the subscription's lock: refuses to decide while an operation is pending, or while
     * the grants of its current period are not all made (a renewal that committed its period a
     * moment ago): a decision must see every credit it decides about.
     */
    void requireSettled(Connection c, SubscriptionRow sub) throws SQLException {
        SubscriptionStore.PeriodRow period = store.findPeriod(c, sub.customerId(), sub.id(),
                sub.periodStart());
        if (period != null && !period.granted()) {
            throw new PendingException();
        }
        requireNonePending(c, sub.customerId(), sub.id());
    }

    private void requireNonePending(Connection c, String customerId, String subscriptionId)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from subscription_operations"
                + " where customer_id = ? and subscription_id = ? and completed_at is null"
                + " limit 1")) {
            ps.setString(1, customerId);
            ps.setString(2, subscriptionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    throw new PendingException();
                }
            }
        }
    }

    /** Records an operation in {@code c}'s transaction; its steps' keys derive from its id. */
    OperationRow insert(Connection c, SubscriptionRow sub, String kind, String reason,
                        List<Step> steps, Instant now) throws SQLException {
        String id = Plans.newId("sop_");
        List<Step> keyed = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            keyed.add(steps.get(i).withKey(IdempotencyKeys.derived(id + ":" + i)));
        }
        try (PreparedStatement ps = c.prepareStatement("insert into subscription_operations"
                + " (customer_id, id, subscription_id, kind, reason, steps, created_at)"
                + " values (?, ?, ?, ?, ?, ?::jsonb, ?)")) {
            ps.setString(1, sub.customerId());
            ps.setString(2, id);
            ps.setString(3, sub.id());
            ps.setString(4, kind);
            ps.setString(5, reason);
            ps.setString(6, writeSteps(keyed));
            Jdbc.setInstant(ps, 7, now);
            ps.executeUpdate();
        }
        return new OperationRow(sub.customerId(), id, sub.id(), reason, keyed);
    }

    /** Completes the subscription's pending operations, oldest first. */
    void completePending(String subscriptionId) {
        for (OperationRow op : store.read(c -> pending(c, subscriptionId,
                PENDING_BATCH_MAX))) {
            complete(op);
        }
    }

    /** Completes every pending operation (what a crash or an outage left); returns how many. */
    int completeAllPending() {
        List<OperationRow> ops = store.read(c -> pending(c, null, PENDING_BATCH_MAX));
        int completed = 0;
        for (OperationRow op : ops) {
            try {
                complete(op);
                completed++;
            } catch (RuntimeException e) {
                LOG.warn("operation {} of subscription {} is still pending: {}", op.id(),
                        op.subscriptionId(), e.getMessage());
            }
        }
        return completed;
    }

    /** Runs every step (a step done before replays), then marks the operation completed. */
    void complete(OperationRow op) {
        for (Step step : op.steps()) {
            run(op, step);
        }
        store.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update subscription_operations"
                    + " set completed_at = ? where customer_id = ? and id = ?"
                    + " and completed_at is null")) {
                Jdbc.setInstant(ps, 1, credits.now());
                ps.setString(2, op.customerId());
                ps.setString(3, op.id());
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Runs one step. A step the ledger could not reach (unavailable, overloaded) throws, and the
     * operation stays pending to be completed later. A step the ledger refuses for good is
     * skipped, so that it cannot hold the subscription up forever: a take-back or void of a grant
     * that expired, was spent or was voided meanwhile has nothing left to take (expected); a grant
     * whose period ended belonged to that period only (expected); anything else is logged as an
     * error to look into.
     */
    private void run(OperationRow op, Step step) {
        String key = step.key();
        try {
            switch (step.action()) {
                case TAKE_BACK -> credits.run(new Command.VoidGrant(step.grantId(), op.reason(),
                        key, null, step.units()));
                case VOID -> credits.run(new Command.VoidGrant(step.grantId(), op.reason(), key));
                case GRANT -> {
                    Map<String, Object> metadata = new LinkedHashMap<>();
                    metadata.put("subscription_id", op.subscriptionId());
                    metadata.put("period_start", step.periodStart().toString());
                    granting.grant(op.customerId(), step.grant(), GrantSource.SUBSCRIPTION,
                            op.reason(), metadata);
                }
                default -> throw new IllegalStateException("unknown step " + step.action());
            }
        } catch (StorageUnavailableException | OverloadedException e) {
            throw e;
        } catch (InvalidStateException | NotFoundException e) {
            if (GRANT.equals(step.action())) {
                skipped(op, key, e);
            } else {
                LOG.debug("step {} of operation {}: {}", key, op.id(), e.getMessage());
            }
        } catch (ValidationException e) {
            if (GRANT.equals(step.action()) && "expires_at".equals(e.field())) {
                LOG.warn("skipped grant {} of operation {}: its period has ended", key, op.id());
            } else {
                skipped(op, key, e);
            }
        } catch (CreditsException e) {
            skipped(op, key, e);
        }
    }

    private static void skipped(OperationRow op, String key, CreditsException e) {
        LOG.error("step {} of operation {} (subscription {}, customer {}) was refused and is"
                + " skipped: {} {}", key, op.id(), op.subscriptionId(), op.customerId(), e.code(),
                e.getMessage());
    }

    /** Pending operations of one subscription, or of all when {@code subscriptionId} is null. */
    private List<OperationRow> pending(Connection c, String subscriptionId, int limit)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select customer_id, id, subscription_id,"
                + " reason, steps::text from subscription_operations where completed_at is null"
                + (subscriptionId == null ? "" : " and subscription_id = ?")
                + " order by created_at, id limit ?")) {
            int index = 1;
            if (subscriptionId != null) {
                ps.setString(index++, subscriptionId);
            }
            ps.setInt(index, limit);
            List<OperationRow> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new OperationRow(rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.getString(4), readSteps(rs.getString(5))));
                }
            }
            return rows;
        }
    }

    private static String writeSteps(List<Step> steps) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Step step : steps) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("action", step.action());
            m.put("key", step.key());
            m.put("grant_id", step.grantId());
            m.put("units", step.units());
            if (GRANT.equals(step.action())) {
                PlannedGrant g = step.grant();
                m.put("credit_type", g.creditType());
                m.put("kind", g.kind());
                m.put("effective_at", g.effectiveAt().toString());
                m.put("expires_at", g.expiresAt() == null ? null : g.expiresAt().toString());
                m.put("period_start", step.periodStart().toString());
            }
            out.add(m);
        }
        return SubscriptionStore.write(out);
    }

    private static List<Step> readSteps(String json) {
        try {
            List<Step> out = new ArrayList<>();
            for (Map<String, Object> m : SubscriptionStore.JSON.readValue(json, STEP_LIST)) {
                String action = (String) m.get("action");
                String key = (String) m.get("key");
                long units = ((Number) m.get("units")).longValue();
                if (GRANT.equals(action)) {
                    Object expires = m.get("expires_at");
                    out.add(new Step(action, key, null, units, new PlannedGrant(key,
                            (String) m.get("credit_type"), units, (String) m.get("kind"),
                            Instant.parse((String) m.get("effective_at")),
                            expires == null ? null : Instant.parse((String) expires)),
                            Instant.parse((String) m.get("period_start"))));
                } else {
                    out.add(new Step(action, key, (String) m.get("grant_id"), units, null,
                            null));
                }
            }
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored operation steps are not readable", e);
        }
    }
}
