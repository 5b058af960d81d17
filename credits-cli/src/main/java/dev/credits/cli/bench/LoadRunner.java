package dev.credits.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs {@code clients} threads that each repeat one operation until the duration is over, and
 * measures every operation. A failed operation is counted apart and not in the rate.
 */
final class LoadRunner {
    /** One operation of client {@code client}, its {@code n}-th. */
    interface Operation {
        void run(int client, long n) throws Exception;
    }

    private LoadRunner() {
    }

    static Result run(String scenario, String mode, int clients, long durationMs,
                      Operation operation) throws InterruptedException {
        List<Latencies> latencies = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        long[] window = new long[2];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Latencies mine = new Latencies();
            latencies.add(mine);
            int client = c;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                long deadline = window[0] + durationMs * 1_000_000;
                for (long n = 0; System.nanoTime() < deadline; n++) {
                    long began = System.nanoTime();
                    try {
                        operation.run(client, n);
                        mine.record(System.nanoTime() - began);
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
            }, "bench-" + scenario + "-" + c);
            threads.add(thread);
            thread.start();
        }
        window[0] = System.nanoTime();
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        window[1] = System.nanoTime();
        long operations = latencies.stream().mapToLong(Latencies::operations).sum();
        long[] sorted = Latencies.merged(latencies);
        return new Result(scenario, mode, clients, operations, errors.get(),
                window[1] - window[0], Latencies.percentileMs(sorted, 50),
                Latencies.percentileMs(sorted, 99));
    }
}
