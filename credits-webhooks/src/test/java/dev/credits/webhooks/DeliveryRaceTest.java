package dev.credits.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.credits.CreditTypes;
import dev.credits.CreditsConfig;
import dev.credits.Grant;
import dev.credits.Spend;
import dev.credits.postgres.PostgresLedger;
import dev.credits.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two ledgers (as two processes) on one database deliver each event once, under load. */
class DeliveryRaceTest {
    static final int CUSTOMERS = 8;
    static final int SPENDS_PER_CUSTOMER = 40;

    @Test
    void twoDeliverersOnOneDatabase_sendEveryEvent_eachAttemptByOneOfThem() throws Exception {
        CreditsConfig config = TestDatabase.newConfig(Clock.systemUTC(), CreditTypes.defaults());
        try (Receiver receiver = new Receiver();
             PostgresLedger one = PostgresLedger.open(config);
             PostgresLedger two = PostgresLedger.open(config)) {
            WebhooksConfig settings = WebhooksConfig.defaults().withAllowPrivateNetworks(true)
                    .withPollIntervalMs(20);
            try (Webhooks a = Webhooks.open(one.credits(), one.backgroundDataSource(), settings);
                 Webhooks b = Webhooks.open(two.credits(), two.backgroundDataSource(),
                         settings)) {
                CreatedEndpoint made = a.createEndpoint(receiver.url(), List.of("*"), null,
                        null);
                receiver.secrets(made.secret());
                a.start();
                b.start();
                ExecutorService pool = Executors.newFixedThreadPool(16);
                List<Future<?>> work = new ArrayList<>();
                for (int c = 0; c < CUSTOMERS; c++) {
                    String customer = "race_" + c;
                    var ledger = c % 2 == 0 ? one.credits() : two.credits();
                    ledger.wallet(customer, "credits").grant(Grant.of("100.00"));
                    for (int i = 0; i < SPENDS_PER_CUSTOMER; i++) {
                        work.add(pool.submit(() -> ledger.wallet(customer, "credits")
                                .spend(Spend.of("0.01"))));
                    }
                }
                for (Future<?> f : work) {
                    f.get(60, TimeUnit.SECONDS);
                }
                pool.shutdown();
                int events = CUSTOMERS * (1 + SPENDS_PER_CUSTOMER);
                long deadline = System.currentTimeMillis() + 30_000;
                while (receiver.received().size() < events
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                Thread.sleep(500); // anything sent twice would arrive by now
                List<Receiver.Received> got = receiver.received();
                Map<String, Integer> perEvent = new HashMap<>();
                for (Receiver.Received r : got) {
                    assertThat(r.verified()).isTrue();
                    perEvent.merge(r.id(), 1, Integer::sum);
                }
                assertThat(perEvent).hasSize(events);
                assertThat(perEvent.values()).allSatisfy(n -> assertThat(n).isEqualTo(1));
                // Each customer's sequences are 1..N, each once.
                Map<String, List<Long>> sequences = new HashMap<>();
                for (Receiver.Received r : got) {
                    sequences.computeIfAbsent(r.body().get("data").get("customer_id").asText(),
                            k -> new ArrayList<>()).add(r.body().get("data").get("sequence")
                            .asLong());
                }
                assertThat(sequences).hasSize(CUSTOMERS);
                sequences.values().forEach(list -> assertThat(list.stream().sorted().toList())
                        .isEqualTo(java.util.stream.LongStream.rangeClosed(1,
                                1 + SPENDS_PER_CUSTOMER).boxed().toList()));
                try (Connection c = one.dataSource().getConnection();
                     Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("select count(*), count(distinct event_seq),"
                             + " max(attempt) from webhook_deliveries"
                             + " where status = 'succeeded'")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(events);
                    assertThat(rs.getLong(2)).isEqualTo(events);
                    assertThat(rs.getInt(3)).isEqualTo(1);
                }
                assertThat(a.backlog()).isZero();
            }
        }
    }
}
