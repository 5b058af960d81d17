package dev.credits.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.CreditTypes;
import dev.credits.Credits;
import dev.credits.Grant;
import dev.credits.InsufficientCreditsException;
import dev.credits.InvalidStateException;
import dev.credits.OverdraftLimit;
import dev.credits.postgres.PostgresLedger;
import dev.credits.testing.MutableClock;
import dev.credits.testing.TestDatabase;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The metering on a real database: fixtures charged exactly, reservations, retries, limits. */
class AiMeteringTest {
    static final MutableClock CLOCK = MutableClock.at("2026-11-25T12:00:00Z");
    static final AtomicInteger CUSTOMERS = new AtomicInteger();
    static PostgresLedger ledger;
    static Credits credits;
    static AiMetering ai;

    @BeforeAll
    static void open() {
        ledger = TestDatabase.openLedger(CLOCK, CreditTypes.defaults());
        credits = ledger.credits();
        ai = AiMetering.open(credits, ledger.dataSource(), PriceCatalog.defaults());
    }

    @AfterAll
    static void close() {
        ledger.close();
    }

    static String customer(String credits) {
        String id = "ai_user_" + CUSTOMERS.incrementAndGet();
        if (credits != null) {
            AiMeteringTest.credits.wallet(id, "credits").grant(Grant.of(credits));
        }
        return id;
    }

    static String balance(String customer) {
        return credits.wallet(customer, "credits").balance().toString();
    }

    record Case(String file, String provider, String model, boolean stream, long costNanoUsd,
                String credits) {
    }

    /** Nano-USD from prices.md by hand; 100 credits per USD, scale 2: floor(nano / 10^5). */
    static final List<Case> FIXTURES = List.of(
            new Case("openai-chat-completion.json", "openai", "gpt-5-mini-2025-08-07", false,
                    1_081_500, "0.10"),
            new Case("openai-chat-completion-stream.txt", "openai", "gpt-4.1-mini-2025-04-14",
                    true, 231_200, "0.02"),
            new Case("openai-responses.json", "openai", "o4-mini-2025-04-16", false, 3_679_500,
                    "0.36"),
            new Case("openai-responses-stream.txt", "openai", "gpt-5-2025-08-07", true,
                    3_328_250, "0.33"),
            new Case("anthropic-message.json", "anthropic", "claude-sonnet-4-5-20250929", false,
                    10_903_800, "1.09"),
            new Case("anthropic-message-stream.txt", "anthropic", "claude-haiku-4-5-20251001",
                    true, 5_170_200, "0.51"));

    static void replay(String customer, Case c) {
        AiCallRequest request = ai.forCustomer(customer).feature("chat")
                .model(c.provider(), c.model()).maxTokens(10_000, 1_000)
                .idempotencyKey(c.file());
        String raw = Fixtures.text(c.file());
        if (c.stream()) {
            UsageReader<CharSequence> reader = c.provider().equals("openai")
                    ? AiUsage.openAiStream() : AiUsage.anthropicStream();
            assertThat(request.call(() -> raw, reader)).isSameAs(raw);
        } else {
            UsageReader<JsonNode> reader = c.provider().equals("openai") ? AiUsage.openAi()
                    : AiUsage.anthropic();
            assertThat(request.call(() -> Fixtures.parse(raw), reader)).isNotNull();
        }
    }

    static AiCallRecord findByKey(String customer, String key) {
        return new AiCallStore(ledger.dataSource(), 2).findByKey(customer, key);
    }

    @Test
    void everyFixture_isChargedExactlyItsCost() {
        for (Case c : FIXTURES) {
            String customer = customer("100.00");
            replay(customer, c);
            AiCallRecord call = findByKey(customer, c.file());
            assertThat(call.status()).as(c.file()).isEqualTo(AiCallStatus.COMPLETED);
            assertThat(call.costNanoUsd()).as(c.file()).isEqualTo(c.costNanoUsd());
            assertThat(call.credits().toString()).as(c.file()).isEqualTo(c.credits());
            assertThat(call.balanceAfter()).isEqualTo(credits.wallet(customer, "credits")
                    .balance());
            assertThat(balance(customer)).as(c.file()).isEqualTo(
                    new BigDecimal("100.00").subtract(new BigDecimal(c.credits()))
                            .toPlainString());
            assertThat(credits.wallet(customer, "credits").state().held().isZero()).isTrue();
            // ai_call.completed, written with the completion, says what it cost.
            try (var conn = ledger.dataSource().getConnection();
                 var ps = conn.prepareStatement("select payload->>'amount',"
                         + " payload->>'ai_call_id', payload->>'model' from outbox"
                         + " where customer_id = ? and event_type = 'AiCallCompleted'")) {
                ps.setString(1, customer);
                try (var rs = ps.executeQuery()) {
                    assertThat(rs.next()).as(c.file()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo(c.credits());
                    assertThat(rs.getString(2)).isEqualTo(call.id());
                    assertThat(rs.getString(3)).isEqualTo(call.model());
                    assertThat(rs.next()).isFalse();
                }
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void fixturesOnOneWallet_carryTheRemainder_soTheTotalIsTheFloorOfTheExactSum() {
        String customer = customer("100.00");
        for (Case c : FIXTURES) {
            replay(customer, c);
        }
        // 24,394,450 nano-USD = 243.9445 units: 2.43 charged, not the 2.41 of six floors.
        assertThat(balance(customer)).isEqualTo("97.57");
        UsageTotal total = ai.usage(customer, null, null, UsageGrouping.NONE).get(0);
        assertThat(total.calls()).isEqualTo(6);
        assertThat(total.costNanoUsd()).isEqualTo(24_394_450);
        assertThat(total.costUsd()).isEqualTo("0.024394450");
        assertThat(total.credits().toString()).isEqualTo("2.43");
        assertThat(ai.usage(customer, null, null, UsageGrouping.MODEL)).extracting(
                UsageTotal::group).contains("anthropic/claude-haiku-4-5-20251001");
    }

    @Test
    void unaffordableCall_neverInvokesItsCallback_andHoldsNothing() {
        String customer = customer("0.01");
        AtomicInteger invoked = new AtomicInteger();
        assertThatThrownBy(() -> ai.forCustomer(customer).model("openai", "gpt-4o")
                .maxTokens(100_000, 10_000).call(() -> {
                    invoked.incrementAndGet();
                    return Fixtures.json("openai-chat-completion.json");
                }, AiUsage.openAi())).isInstanceOf(InsufficientCreditsException.class);
        assertThat(invoked).hasValue(0);
        assertThat(balance(customer)).isEqualTo("0.01");
        assertThat(credits.wallet(customer, "credits").state().held().isZero()).isTrue();
    }

    @Test
    void unknownModel_isRefusedBeforeTheCall() {
        String customer = customer("10.00");
        AtomicInteger invoked = new AtomicInteger();
        assertThatThrownBy(() -> ai.forCustomer(customer).model("openai", "gpt-unknown")
                .maxTokens(10, 10).call(() -> invoked.incrementAndGet(), r -> TokenUsage.of(1,
                        1))).isInstanceOf(UnknownModelException.class);
        assertThat(invoked).hasValue(0);
    }

    @Test
    void callbackThrows_releasesTheHold_recordsTheFailure_andTheKeyCanBeRetried() {
        String customer = customer("10.00");
        AiCallRequest request = ai.forCustomer(customer).model("openai", "gpt-4o-mini")
                .maxTokens(1_000, 1_000).idempotencyKey("req-1");
        assertThatThrownBy(() -> request.call(() -> {
            throw new IllegalStateException("provider down");
        }, AiUsage.openAi())).hasMessage("provider down");
        assertThat(credits.wallet(customer, "credits").state().held().isZero()).isTrue();
        assertThat(balance(customer)).isEqualTo("10.00");
        JsonNode response = request.call(() -> Fixtures.parse("{\"usage\":{\"prompt_tokens\":"
                + "1000,\"completion_tokens\":1000}}"), AiUsage.openAi());
        assertThat(response).isNotNull();
        // 1000 × 150 + 1000 × 600 = 750,000 nano-USD = 7.5 units
        assertThat(balance(customer)).isEqualTo("9.93");
    }

    @Test
    void sameKeyAgain_neverInvokesTheCallbackTwice_norChargesTwice() {
        String customer = customer("10.00");
        AtomicInteger invoked = new AtomicInteger();
        AiCallRequest request = ai.forCustomer(customer).model("openai", "gpt-4o-mini")
                .maxTokens(5_000, 5_000).idempotencyKey("req-once");
        AiCallback<JsonNode> callback = () -> {
            invoked.incrementAndGet();
            return Fixtures.parse("{\"usage\":{\"prompt_tokens\":4000,\"completion_tokens\":"
                    + "2000}}");
        };
        request.call(callback, AiUsage.openAi());
        String after = balance(customer);
        assertThatThrownBy(() -> request.call(callback, AiUsage.openAi()))
                .isInstanceOf(AiCallCompletedException.class);
        assertThat(invoked).hasValue(1);
        assertThat(balance(customer)).isEqualTo(after).isEqualTo("9.82");
    }

    @Test
    void sameKeyWhileTheFirstStillRuns_isRefused_withoutInvokingTheCallback() throws Exception {
        String customer = customer("10.00");
        AtomicInteger invoked = new AtomicInteger();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AiCallback<JsonNode> callback = () -> {
            invoked.incrementAndGet();
            inside.countDown();
            assertThat(finish.await(30, TimeUnit.SECONDS)).isTrue();
            return Fixtures.parse("{\"usage\":{\"prompt_tokens\":4000,\"completion_tokens\":"
                    + "2000}}");
        };
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<JsonNode> first = pool.submit(() -> ai.forCustomer(customer)
                    .model("openai", "gpt-4o-mini").maxTokens(5_000, 5_000)
                    .idempotencyKey("req-twice").call(callback, AiUsage.openAi()));
            assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> ai.forCustomer(customer).model("openai", "gpt-4o-mini")
                    .maxTokens(5_000, 5_000).idempotencyKey("req-twice")
                    .call(callback, AiUsage.openAi()))
                    .isInstanceOf(InvalidStateException.class).hasMessageContaining("running");
            finish.countDown();
            first.get(30, TimeUnit.SECONDS);
        } finally {
            finish.countDown();
            pool.shutdownNow();
        }
        assertThat(invoked).hasValue(1);
        assertThat(balance(customer)).isEqualTo("9.82");
    }

    @Test
    void crashBetweenPricingAndCapture_isRepairedByCompletingAgain_chargedOnce() {
        String customer = customer("10.00");
        AiCallRecord call = ai.forCustomer(customer).model("openai", "gpt-4o")
                .maxTokens(10_000, 1_000).reserve();
        TokenUsage usage = TokenUsage.of(2_000, 500);
        // Step one only, as if the process died before the capture was issued.
        assertThat(ai.priceCall(call.id(), usage, null, null).status())
                .isEqualTo(AiCallStatus.COMPLETING);
        assertThat(balance(customer)).isEqualTo("10.00");
        AiCallRecord done = ai.complete(call.id(), usage);
        // 2000 × 2500 + 500 × 10000 = 10,000,000 nano-USD = 1.00 credit
        assertThat(done.status()).isEqualTo(AiCallStatus.COMPLETED);
        assertThat(done.credits().toString()).isEqualTo("1.00");
        assertThat(balance(customer)).isEqualTo("9.00");
        AiCallRecord again = ai.complete(call.id(), usage);
        assertThat(again.replayed()).isTrue();
        assertThat(again.transactionId()).isEqualTo(done.transactionId());
        assertThat(balance(customer)).isEqualTo("9.00");
        assertThatThrownBy(() -> ai.complete(call.id(), TokenUsage.of(1, 1)))
                .isInstanceOf(InvalidStateException.class);
    }

    @Test
    void completeAfterCancelOrExpiry_isInvalidState_andChargesNothing() {
        String customer = customer("10.00");
        AiCallRecord cancelled = ai.forCustomer(customer).model("openai", "gpt-4o")
                .maxTokens(100, 100).reserve();
        assertThat(ai.cancel(cancelled.id()).status()).isEqualTo(AiCallStatus.CANCELLED);
        assertThat(ai.cancel(cancelled.id()).replayed()).isTrue();
        assertThatThrownBy(() -> ai.complete(cancelled.id(), TokenUsage.of(10, 10)))
                .isInstanceOf(InvalidStateException.class);
        AiCallRecord expiring = ai.forCustomer(customer).model("openai", "gpt-4o")
                .maxTokens(100, 100).expiresIn(Duration.ofSeconds(60)).reserve();
        CLOCK.advance(Duration.ofSeconds(61));
        assertThatThrownBy(() -> ai.complete(expiring.id(), TokenUsage.of(10, 10)))
                .isInstanceOf(InvalidStateException.class).hasMessageContaining("expired");
        assertThat(ai.get(expiring.id()).status()).isEqualTo(AiCallStatus.EXPIRED);
        assertThat(balance(customer)).isEqualTo("10.00");
        assertThat(credits.wallet(customer, "credits").state().held().isZero()).isTrue();
    }

    @Test
    void usageOverTheReservation_isChargedWithinTheOverdraft_elseRefusedWritingNothing() {
        String customer = customer("0.10");
        AiCallRecord call = ai.forCustomer(customer).model("openai", "gpt-4o")
                .maxTokens(10, 10).reserve();
        TokenUsage huge = TokenUsage.of(1_000_000, 0); // 2.50 USD = 250.00 credits
        assertThatThrownBy(() -> ai.complete(call.id(), huge))
                .isInstanceOf(InsufficientCreditsException.class);
        assertThat(ai.get(call.id()).status()).isEqualTo(AiCallStatus.RESERVED);
        assertThat(balance(customer)).isEqualTo("0.10");
        credits.wallet(customer, "credits").setOverdraftLimit(OverdraftLimit.of(100_000));
        assertThat(ai.complete(call.id(), huge).credits().toString()).isEqualTo("250.00");
        assertThat(balance(customer)).isEqualTo("-249.90");
    }

    @Test
    void missingUsage_isAnError_orChargedAtTheReservedMaximum_neverZero() {
        String customer = customer("10.00");
        assertThatThrownBy(() -> ai.forCustomer(customer).model("openai", "gpt-4o-mini")
                .maxTokens(1_000, 1_000).call(() -> Fixtures.parse("{\"id\":\"x\"}"),
                        AiUsage.openAi())).isInstanceOf(UsageMissingException.class);
        assertThat(balance(customer)).isEqualTo("10.00");
        assertThat(credits.wallet(customer, "credits").state().held().isPositive()).isTrue();
        AiMetering chargeMax = AiMetering.open(credits, ledger.dataSource(), AiConfig.defaults()
                .withMissingUsage(MissingUsage.CHARGE_RESERVED));
        String other = customer("10.00");
        chargeMax.forCustomer(other).model("openai", "gpt-4o-mini").maxTokens(1_000, 1_000)
                .call(() -> Fixtures.parse("{\"id\":\"x\"}"), AiUsage.openAi());
        // 1000 × 150 + 1000 × 600 = 750,000 nano-USD = 7.5 units → 0.07
        assertThat(balance(other)).isEqualTo("9.93");
    }

    @Test
    void spendLimit_refusesTheCallBeforeItRuns() {
        AiMetering limited = AiMetering.open(credits, ledger.dataSource(), AiConfig.defaults()
                .withSpendLimits("1.00", "5.00"));
        String customer = customer("100.00");
        AtomicInteger invoked = new AtomicInteger();
        AiCallRequest request = limited.forCustomer(customer).model("openai", "gpt-4o")
                .maxTokens(1_000, 100); // reserves 0.35
        request.call(() -> {
            invoked.incrementAndGet();
            return TokenUsage.of(1_000, 100);
        }, usage -> usage);
        request.call(() -> TokenUsage.of(1_000, 100), usage -> usage);
        assertThatThrownBy(() -> request.call(() -> invoked.incrementAndGet(),
                usage -> TokenUsage.of(1, 1))).isInstanceOf(SpendLimitExceededException.class)
                .hasMessageContaining("daily");
        assertThat(invoked).hasValue(1);
        assertThat(balance(customer)).isEqualTo("99.30");
        assertThat(credits.wallet(customer, "credits").state().held().isZero()).isTrue();
    }

    /** The no-drift property on the database: random calls of one wallet, both paths. */
    @Test
    void randomCallsOnOneWallet_chargeTheFloorOfTheExactTotal() {
        long seed = Long.getLong("ai.seed", System.nanoTime());
        System.out.println("randomCallsOnOneWallet seed " + seed);
        Random random = new Random(seed);
        String customer = customer("1000.00");
        long exactNanoUsd = 0;
        for (int i = 0; i < DB_CALLS; i++) {
            TokenUsage usage = new TokenUsage(random.nextInt(3_000), random.nextInt(3_000),
                    random.nextInt(500), random.nextInt(500), random.nextInt(800), 0);
            String model = random.nextBoolean() ? "claude-haiku-4-5" : "claude-sonnet-4-5";
            exactNanoUsd += ai.costNanoUsd("anthropic", model, usage);
            if (i % 2 == 0) {
                ai.recordUsage(customer, "anthropic", model, "batch", usage, "u" + i);
            } else {
                ai.forCustomer(customer).model("anthropic", model).maxTokens(7_000, 800)
                        .call(() -> usage, u -> u);
            }
        }
        long chargedUnits = 100_000 - credits.wallet(customer, "credits").balance().units();
        assertThat(chargedUnits).as("seed " + seed).isEqualTo(exactNanoUsd / 100_000);
        assertThat(ai.usage(customer, null, null, UsageGrouping.NONE).get(0).credits().units())
                .isEqualTo(chargedUnits);
    }

    static final int DB_CALLS = 120;
}
