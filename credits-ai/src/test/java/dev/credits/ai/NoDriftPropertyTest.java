package dev.credits.ai;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Randomized, against a reference model in BigDecimal: over many calls with random token counts,
 * random prices and random conversions, the credits charged add up to exactly the floor of the
 * exact total, so the carried remainder is always under one unit, in either direction. The seed
 * is printed; set {@code -Dai.seed=N} to replay a failure.
 */
class NoDriftPropertyTest {
    static final int CALLS = 100_000;
    static final List<String> PER_USD = List.of("100", "1", "1000", "0.5", "33.3", "7");
    static final List<String> MARKUP = List.of("0", "20", "12.5", "7.25", "100");
    static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    @Test
    void hundredThousandCalls_chargeTheFloorOfTheExactTotal() {
        long seed = Long.getLong("ai.seed", System.nanoTime());
        System.out.println("NoDriftPropertyTest seed " + seed);
        Random random = new Random(seed);
        for (int round = 0; round < 4; round++) {
            runRound(random, seed, CALLS / 4);
        }
    }

    private void runRound(Random random, long seed, int calls) {
        String perUsd = PER_USD.get(random.nextInt(PER_USD.size()));
        String markup = MARKUP.get(random.nextInt(MARKUP.size()));
        int scale = random.nextInt(5);
        CreditConversion conversion = CreditConversion.of(perUsd, markup, scale);
        String[] prices = new String[5];
        for (int i = 0; i < prices.length; i++) {
            prices[i] = randomPrice(random);
        }
        ModelPrice price = ModelPrice.perMillion("p", "m", prices[0], prices[1], prices[2],
                prices[3], prices[4]);
        // units per USD, exactly: perUsd × (1 + markup/100) × 10^scale
        BigDecimal unitsPerUsd = new BigDecimal(perUsd).multiply(BigDecimal.ONE.add(
                new BigDecimal(markup).movePointLeft(2))).movePointRight(scale);
        BigDecimal exactUsd = BigDecimal.ZERO;
        long charged = 0;
        long remainder = 0;
        String context = "seed " + seed + ", " + perUsd + "/USD +" + markup + "% scale " + scale;
        for (int i = 0; i < calls; i++) {
            TokenUsage usage = randomUsage(random);
            long cost = Pricing.costNanoUsd(price, usage);
            assertThat(cost).as(context).isEqualTo(referenceCostNanoUsd(prices, usage));
            CreditConversion.Charge charge = conversion.charge(remainder, cost);
            assertThat(charge.units()).as(context).isLessThanOrEqualTo(conversion.maxUnits(cost));
            charged += charge.units();
            remainder = charge.remainder();
            exactUsd = exactUsd.add(BigDecimal.valueOf(cost, 9));
        }
        BigDecimal exactUnits = exactUsd.multiply(unitsPerUsd);
        BigInteger floor = exactUnits.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
        assertThat(BigInteger.valueOf(charged)).as(context).isEqualTo(floor);
        BigDecimal left = exactUnits.subtract(BigDecimal.valueOf(charged));
        assertThat(left.signum()).as(context).isNotNegative();
        assertThat(left.compareTo(BigDecimal.ONE)).as(context).isNegative();
        assertThat(BigDecimal.valueOf(remainder).divide(BigDecimal.valueOf(
                conversion.denominator()), 30, RoundingMode.UNNECESSARY)
                .compareTo(left.setScale(30, RoundingMode.UNNECESSARY))).as(context).isZero();
    }

    /** The cost from the price strings, in BigDecimal: tokens × USD per million / 10^6. */
    private static long referenceCostNanoUsd(String[] prices, TokenUsage u) {
        long[] tokens = {u.inputTokens(), u.cachedInputTokens(), u.cacheWriteTokens(),
            u.cacheWrite1hTokens(), u.outputTokens()};
        BigDecimal usd = BigDecimal.ZERO;
        for (int i = 0; i < tokens.length; i++) {
            usd = usd.add(BigDecimal.valueOf(tokens[i]).multiply(new BigDecimal(prices[i]))
                    .divide(MILLION));
        }
        return usd.movePointRight(9).longValueExact();
    }

    /** Prices with 0 to 3 decimals per million, from fractions of a cent to 100 USD. */
    private static String randomPrice(Random random) {
        long thousandths = 1 + random.nextInt(100_000);
        return BigDecimal.valueOf(thousandths, 3).toPlainString();
    }

    /** Mostly small calls, some large, a few at the limit of 10^9 tokens of a kind. */
    private static TokenUsage randomUsage(Random random) {
        long output = tokens(random);
        return new TokenUsage(tokens(random), tokens(random), tokens(random), tokens(random),
                output, output == 0 ? 0 : random.nextLong(output + 1));
    }

    private static long tokens(Random random) {
        int kind = random.nextInt(100);
        if (kind < 20) {
            return 0;
        } else if (kind < 90) {
            return random.nextInt(5_000);
        } else if (kind < 99) {
            return random.nextInt(2_000_000);
        }
        return TokenUsage.TOKENS_MAX - random.nextInt(10);
    }
}
