package dev.credits.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.Grant;
import dev.credits.IdempotencyConflictException;
import dev.credits.NotFoundException;
import dev.credits.Spend;
import dev.credits.ValidationException;
import dev.credits.postgres.PostgresLedger;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Endpoints, signed delivery from the outbox to a real receiver, retries, the feed. */
class WebhooksTest {
    MutableClock clock;
    PostgresLedger ledger;
    Credits credits;
    Webhooks webhooks;
    Receiver receiver;

    @BeforeEach
    void open() throws Exception {
        clock = MutableClock.at("2026-12-01T10:00:00Z");
        ledger = TestDatabase.openLedger(clock, CreditTypes.defaults());
        credits = ledger.credits();
        webhooks = Webhooks.open(credits, ledger.backgroundDataSource(),
                WebhooksConfig.defaults().withAllowPrivateNetworks(true).withPollIntervalMs(0),
                Duration.ofMillis(500));
        receiver = new Receiver();
    }

    @AfterEach
    void close() {
        receiver.close();
        webhooks.close();
        assertThat(credits.verify().violations()).isEmpty();
        ledger.close();
    }

    CreatedEndpoint subscribe(String... events) {
        CreatedEndpoint made = webhooks.createEndpoint(receiver.url(), List.of(events),
                "test receiver", null);
        receiver.secrets(made.secret());
        return made;
    }

    @Test
    void aGrant_arrivesSigned_withTheEventIdAsWebhookId_andTheWalletsSequence() {
        CreatedEndpoint made = subscribe("credits.granted", "credits.spent");
        assertThat(made.secret()).startsWith("whsec_");
        assertThat(made.endpoint().status()).isEqualTo("enabled");
        var wallet = credits.wallet("user_1", "credits");
        wallet.grant(Grant.of("5.00"));
        wallet.spend(Spend.of("1.25").feature("chat"));
        wallet.hold("1.00", Duration.ofMinutes(5), null, null); // not subscribed

        assertThat(webhooks.deliverDue()).isEqualTo(2);
        List<Receiver.Received> got = receiver.received();
        assertThat(got).hasSize(2).allSatisfy(r -> assertThat(r.verified()).isTrue());
        JsonNode granted = got.stream().filter(r -> r.body().get("type").asText()
                .equals("credits.granted")).findFirst().orElseThrow().body();
        JsonNode spent = got.stream().filter(r -> r.body().get("type").asText()
                .equals("credits.spent")).findFirst().orElseThrow().body();
        assertThat(granted.get("id").asText()).startsWith("evt_");
        assertThat(got).allSatisfy(r -> assertThat(r.id()).isEqualTo(r.body().get("id")
                .asText()));
        JsonNode data = granted.get("data");
        assertThat(data.get("customer_id").asText()).isEqualTo("user_1");
        assertThat(data.get("credit_type").asText()).isEqualTo("credits");
        assertThat(data.get("amount").asText()).isEqualTo("5.00");
        assertThat(data.get("balance").asText()).isEqualTo("5.00");
        assertThat(data.get("source").asText()).isEqualTo("purchase");
        assertThat(data.get("sequence").asLong()).isEqualTo(1);
        assertThat(spent.get("data").get("sequence").asLong()).isEqualTo(2);
        assertThat(spent.get("data").get("feature").asText()).isEqualTo("chat");
        assertThat(spent.get("data").get("amount").asText()).isEqualTo("1.25");
        // The feed has the same bodies, newest first, the hold's event too (sequence 3).
        Page<Event> feed = webhooks.events("user_1", null, 10, null);
        assertThat(feed.data()).extracting(Event::type)
                .containsExactly("hold.created", "credits.spent", "credits.granted");
        assertThat(feed.data().get(0).data().get("sequence")).isEqualTo(3L);
        assertThat(granted.toString()).isEqualTo(EventRenderer.json(
                webhooks.event(granted.get("id").asText()).body()));
        // Nothing is sent twice.
        assertThat(webhooks.deliverDue()).isZero();
        assertThat(receiver.received()).hasSize(2);
    }

    @Test
    void duringARotation_bothSecretsSign_andAReceiverWithEitherVerifies() {
        CreatedEndpoint made = subscribe("*");
        String rotated = webhooks.rotateSecret(made.endpoint().id());
        assertThat(rotated).startsWith("whsec_").isNotEqualTo(made.secret());
        credits.wallet("user_2", "credits").grant(Grant.of("1.00"));
        receiver.secrets(rotated); // a receiver that switched already
        webhooks.deliverDue();
        Receiver.Received first = receiver.received().get(0);
        assertThat(first.verified()).isTrue();
        assertThat(first.signatures().split(" ")).hasSize(2)
                .contains(Receiver.sign(made.secret(), first.id(), first.timestamp(),
                        first.raw()))
                .contains(Receiver.sign(rotated, first.id(), first.timestamp(), first.raw()));
        // A day later the old secret no longer signs.
        clock.advance(Duration.ofHours(25));
        receiver.clear();
        credits.wallet("user_2", "credits").grant(Grant.of("1.00"));
        webhooks.deliverDue();
        assertThat(receiver.received().get(0).signatures().split(" ")).hasSize(1);
        assertThat(receiver.received().get(0).verified()).isTrue();
    }

    @Test
    void aReceiverDownForAStretch_getsEveryEventOnceItIsUp_onTheDocumentedSchedule()
            throws Exception {
        CreatedEndpoint made = subscribe("credits.granted");
        receiver.mode(Receiver.Mode.FAIL);
        for (int i = 0; i < 3; i++) {
            credits.wallet("down_" + i, "credits").grant(Grant.of("1.00"));
        }
        webhooks.deliverDue();
        for (int attempt = 1; attempt <= 6; attempt++) {
            int k = attempt;
            List<Delivery> failed = webhooks.deliveries(made.endpoint().id(), 500, null).data()
                    .stream().filter(d -> d.attempt() == k).toList();
            assertThat(failed).hasSize(3);
            Duration base = Backoff.base(attempt);
            for (Delivery d : failed) {
                assertThat(d.status()).isEqualTo("failed");
                assertThat(d.responseStatus()).isEqualTo(500);
                assertThat(d.error()).isEqualTo("HTTP 500");
                // Each retry waits the documented delay plus at most a quarter of it.
                assertThat(Duration.between(clock.instant(), d.nextAttemptAt()))
                        .isBetween(base, base.plus(base.dividedBy(4)).plusMillis(1));
            }
            assertThat(pending()).isEqualTo(3);
            clock.set(nextDueLast().plusMillis(1)); // the stretch passes on the test clock
            webhooks.deliverDue();
        }
        assertThat(Backoff.base(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(Backoff.base(2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(Backoff.base(20)).isEqualTo(Duration.ofHours(12));
        receiver.mode(Receiver.Mode.OK);
        clock.advance(Duration.ofHours(12).plusMinutes(1));
        webhooks.deliverDue();
        // Every event arrived; each kept its one id through all its attempts.
        Map<String, Set<String>> idsByCustomer = new java.util.HashMap<>();
        for (Receiver.Received r : receiver.received()) {
            assertThat(r.verified()).isTrue();
            idsByCustomer.computeIfAbsent(r.body().get("data").get("customer_id").asText(),
                    k -> new HashSet<>()).add(r.id());
        }
        assertThat(idsByCustomer).containsOnlyKeys("down_0", "down_1", "down_2");
        assertThat(idsByCustomer.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));
        assertThat(receiver.received()).hasSize(3 * 8); // 7 failed attempts and 1 success each
        assertThat(webhooks.deliveries(made.endpoint().id(), 500, null).data())
                .filteredOn(d -> d.status().equals("succeeded")).hasSize(3);
        assertThat(pending()).isZero();
    }

    @Test
    void afterThreeDaysAnEventIsGivenUp_andAfterFiveDaysOfFailuresTheEndpointIsDisabled() {
        CreatedEndpoint made = subscribe("credits.granted", "webhook_endpoint.disabled");
        receiver.mode(Receiver.Mode.FAIL);
        credits.wallet("gone_1", "credits").grant(Grant.of("1.00"));
        Instant start = clock.instant();
        webhooks.deliverDue();
        int attempts = 1;
        while (pending() > 0 && attempts < 100) {
            webhooks.deliverDue();
            attempts++;
            Instant due = nextDue();
            if (due != null) {
                clock.set(due.plusMillis(1));
            }
        }
        List<Delivery> log = webhooks.deliveries(made.endpoint().id(), 500, null).data();
        Delivery last = log.get(0);
        assertThat(last.status()).isEqualTo("failed");
        assertThat(last.nextAttemptAt()).isNull(); // given up
        // The last attempt was within three days of the first; its retry would not have been.
        assertThat(Duration.between(start, clock.instant())).isGreaterThan(Duration.ofDays(2))
                .isLessThanOrEqualTo(Duration.ofDays(3));
        assertThat(log.size()).isBetween(10, 16);
        assertThat(webhooks.endpoint(made.endpoint().id()).status()).isEqualTo("enabled");

        // New events keep failing until five days have passed since the first failure.
        clock.set(start.plus(Duration.ofDays(5)).plusSeconds(1));
        credits.wallet("gone_2", "credits").grant(Grant.of("1.00"));
        webhooks.deliverDue();
        assertThat(webhooks.endpoint(made.endpoint().id()).status()).isEqualTo("disabled");
        assertThat(pending()).isZero();
        Page<Event> disabled = webhooks.events(null, "webhook_endpoint.disabled", 5, null);
        assertThat(disabled.data()).singleElement().satisfies(e -> assertThat(
                e.data().get("endpoint_id")).isEqualTo(made.endpoint().id()));
        // A disabled endpoint gets nothing; enabled again, a manual retry sends now.
        receiver.mode(Receiver.Mode.OK);
        assertThatThrownBy(() -> webhooks.retry(last.id()))
                .isInstanceOf(dev.credits.InvalidStateException.class);
        webhooks.updateEndpoint(made.endpoint().id(), null, null, "enabled", null, false);
        Delivery retry = webhooks.retry(last.id());
        assertThat(retry.status()).isEqualTo("pending");
        assertThat(retry.attempt()).isEqualTo(last.attempt() + 1);
        webhooks.deliverDue();
        assertThat(webhooks.delivery(retry.id()).status()).isEqualTo("succeeded");
        assertThat(receiver.received()).filteredOn(r -> r.body().get("type").asText()
                .equals("credits.granted")).last().satisfies(r -> assertThat(r.body()
                .get("data").get("customer_id").asText()).isEqualTo("gone_1"));
        // Enabled again, it also learns that it had been disabled.
        assertThat(receiver.received()).filteredOn(r -> r.body().get("type").asText()
                .equals("webhook_endpoint.disabled")).singleElement().satisfies(r -> assertThat(
                        r.body().get("data").get("endpoint_id").asText())
                        .isEqualTo(made.endpoint().id()));
    }

    @Test
    void aReceiverThatDoesNotAnswerInTime_isAFailedAttempt() {
        CreatedEndpoint made = subscribe("credits.granted");
        receiver.mode(Receiver.Mode.SLOW);
        receiver.slowMs(2_000);
        credits.wallet("slow_1", "credits").grant(Grant.of("1.00"));
        webhooks.deliverDue();
        Delivery attempt = webhooks.deliveries(made.endpoint().id(), 10, null).data().stream()
                .filter(d -> d.attempt() == 1).findFirst().orElseThrow();
        assertThat(attempt.status()).isEqualTo("failed");
        assertThat(attempt.error()).contains("no answer within 500 ms");
        assertThat(attempt.responseStatus()).isNull();
    }

    @Test
    void aReceiverThatStallsInItsBody_failsTheAttempt_andFreesTheSender() {
        CreatedEndpoint made = subscribe("credits.granted");
        receiver.mode(Receiver.Mode.STALL_BODY);
        receiver.slowMs(20_000);
        credits.wallet("stall_1", "credits").grant(Grant.of("1.00"));
        long started = System.nanoTime();
        webhooks.deliverDue();
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(Duration.ofSeconds(10));
        Delivery attempt = webhooks.deliveries(made.endpoint().id(), 10, null).data().stream()
                .filter(d -> d.attempt() == 1).findFirst().orElseThrow();
        assertThat(attempt.status()).isEqualTo("failed");
        assertThat(attempt.error()).contains("no answer within");
    }

    @Test
    void aManualRetry_supersedesThePendingRetry_soOneChainOfAttemptsRemains() {
        CreatedEndpoint made = subscribe("credits.granted");
        receiver.mode(Receiver.Mode.FAIL);
        credits.wallet("chain_1", "credits").grant(Grant.of("1.00"));
        webhooks.deliverDue();
        Delivery failed = webhooks.deliveries(made.endpoint().id(), 10, null).data().stream()
                .filter(d -> d.status().equals("failed")).findFirst().orElseThrow();
        assertThat(pending()).isEqualTo(1); // the scheduled retry
        Delivery retry = webhooks.retry(failed.id());
        assertThat(pending()).isEqualTo(1); // the manual one; the scheduled one is superseded
        assertThat(webhooks.deliveries(made.endpoint().id(), 10, null).data())
                .filteredOn(d -> "superseded by a manual retry".equals(d.error())).hasSize(1);
        receiver.mode(Receiver.Mode.OK);
        webhooks.deliverDue();
        assertThat(webhooks.delivery(retry.id()).status()).isEqualTo("succeeded");
        assertThat(pending()).isZero();
    }

    @Test
    void aHostThatResolvesInward_isRefusedAtDeliveryToo_andNothingIsSent() throws Exception {
        CreatedEndpoint made = subscribe("credits.granted");
        try (Webhooks strict = Webhooks.open(credits, ledger.backgroundDataSource(),
                WebhooksConfig.defaults().withPollIntervalMs(0))) {
            // Saved while it resolved outward (say); it resolves to loopback now.
            assertThatThrownBy(() -> strict.createEndpoint(receiver.url(), List.of("*"), null,
                    null)).isInstanceOf(ValidationException.class).hasMessageContaining(
                            "loopback");
            credits.wallet("ssrf_1", "credits").grant(Grant.of("1.00"));
            strict.deliverDue();
            assertThat(receiver.received()).isEmpty();
            Delivery attempt = strict.deliveries(made.endpoint().id(), 10, null).data().stream()
                    .filter(d -> d.attempt() == 1).findFirst().orElseThrow();
            assertThat(attempt.status()).isEqualTo("failed");
            assertThat(attempt.error()).contains("not sent").contains("loopback");
        }
    }

    @Test
    void endpoints_areListedWithoutSecrets_updatedAndDeleted_andBadInputWritesNothing() {
        CreatedEndpoint made = webhooks.createEndpoint(receiver.url(), List.of("credits.spent"),
                null, "make-1");
        assertThat(webhooks.createEndpoint(receiver.url(), List.of("credits.spent"), null,
                "make-1")).satisfies(again -> {
                    assertThat(again.replayed()).isTrue();
                    assertThat(again.endpoint().id()).isEqualTo(made.endpoint().id());
                });
        assertThatThrownBy(() -> webhooks.createEndpoint(receiver.url(),
                List.of("credits.granted"), null, "make-1"))
                .isInstanceOf(IdempotencyConflictException.class);
        List<Object[]> bad = List.of(
                new Object[] {"ftp://example.com/x", List.of("*"), null, "url"},
                new Object[] {"http://user:pw@example.com/x", List.of("*"), null, "url"},
                new Object[] {"http://", List.of("*"), null, "url"},
                new Object[] {"not a url", List.of("*"), null, "url"},
                new Object[] {"https://example.com/" + "x".repeat(2_100), List.of("*"), null,
                        "url"},
                new Object[] {receiver.url(), List.of(), null, "events"},
                new Object[] {receiver.url(), List.of("credits.nope"), null, "events"},
                new Object[] {receiver.url(), java.util.Collections.nCopies(65, "*"), null,
                        "events"},
                new Object[] {receiver.url(), List.of("*"), "d".repeat(1_001), "description"},
                new Object[] {receiver.url(), List.of("*"), "lone \ud800", "description"});
        for (Object[] c : bad) {
            @SuppressWarnings("unchecked")
            List<String> events = (List<String>) c[1];
            assertThatThrownBy(() -> webhooks.createEndpoint((String) c[0], events,
                    (String) c[2], null)).as(String.valueOf(c[0]) + " " + c[3])
                    .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(
                            e.getMessage()).contains((String) c[3]));
        }
        assertThat(webhooks.endpoints()).hasSize(1);
        for (int i = 1; i < Webhooks.ENDPOINTS_MAX; i++) {
            webhooks.createEndpoint(receiver.url(), List.of("*"), null, null);
        }
        assertThatThrownBy(() -> webhooks.createEndpoint(receiver.url(), List.of("*"), null,
                null)).isInstanceOf(ValidationException.class).hasMessageContaining("16");
        Endpoint updated = webhooks.updateEndpoint(made.endpoint().id(), null,
                List.of("credits.granted", "hold.created"), "disabled", "renamed", true);
        assertThat(updated.events()).containsExactly("credits.granted", "hold.created");
        assertThat(updated.status()).isEqualTo("disabled");
        assertThat(webhooks.endpoint(made.endpoint().id())).isEqualTo(updated);
        assertThatThrownBy(() -> webhooks.updateEndpoint(made.endpoint().id(), null, null,
                "paused", null, false)).isInstanceOf(ValidationException.class);
        webhooks.deleteEndpoint(made.endpoint().id());
        assertThatThrownBy(() -> webhooks.endpoint(made.endpoint().id()))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> webhooks.deleteEndpoint("whe_nope"))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> webhooks.rotateSecret("whe_nope"))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> webhooks.retry("whd_nope"))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> webhooks.event("evt_nope"))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> webhooks.events(null, "nope", 10, null))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> webhooks.events(null, null, 0, null))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> webhooks.events(null, null, 10, "garbage!"))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void theFeed_pagesNewestFirst_byCustomerAndType() {
        for (int i = 0; i < 7; i++) {
            credits.wallet("feed_a", "credits").grant(Grant.of("1.00"));
        }
        credits.wallet("feed_b", "credits").grant(Grant.of("1.00"));
        credits.wallet("feed_a", "credits").spend(Spend.of("1.00"));
        List<Long> sequences = new ArrayList<>();
        String cursor = null;
        do {
            Page<Event> page = webhooks.events("feed_a", "credits.granted", 3, cursor);
            page.data().forEach(e -> sequences.add((Long) e.data().get("sequence")));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(sequences).containsExactly(7L, 6L, 5L, 4L, 3L, 2L, 1L);
        assertThat(webhooks.events("feed_b", null, 10, null).data()).hasSize(1);
        assertThat(webhooks.events(null, "credits.spent", 10, null).data()).hasSize(1);
    }

    long pending() {
        return count("select count(*) from webhook_deliveries where status = 'pending'");
    }

    Instant nextDueLast() {
        return dueAt("max");
    }

    Instant nextDue() {
        return dueAt("min");
    }

    Instant dueAt(String which) {
        try (Connection c = ledger.dataSource().getConnection();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select " + which + "(next_attempt_at) from"
                     + " webhook_deliveries where status = 'pending'")) {
            rs.next();
            java.sql.Timestamp t = rs.getTimestamp(1);
            return t == null ? null : t.toInstant();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    long count(String sql) {
        try (Connection c = ledger.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
