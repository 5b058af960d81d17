package dev.credits.example;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credits.Credits;
import dev.credits.ai.AiMetering;
import dev.credits.ai.AiUsage;
import dev.credits.plans.Plans;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Sells a pack and meters an AI call. The starter answers the ledger's exceptions as problem
 * details: a customer without enough credits gets a 402 with balance and required.
 */
@RestController
class ShopController {
    private static final long MAX_INPUT_TOKENS = 4_000;
    private static final long MAX_OUTPUT_TOKENS = 1_000;

    private final Credits credits;
    private final Plans plans;
    private final AiMetering ai;
    private final ChatModel model;

    ShopController(Credits credits, Plans plans, AiMetering ai, ChatModel model) {
        this.credits = credits;
        this.plans = plans;
        this.ai = ai;
        this.model = model;
    }

    /** In a real shop the payment's webhook calls this; its payment id makes a retry safe. */
    @PostMapping("/customers/{customer}/purchases/{product}")
    Map<String, String> buy(@PathVariable String customer, @PathVariable String product,
                            @RequestHeader("Idempotency-Key") String paymentId) {
        plans.purchase(customer, product, 1, paymentId);
        return balance(customer);
    }

    /** Holds the most the call can cost, calls the model, charges what it used. */
    @PostMapping("/customers/{customer}/chat")
    Map<String, String> chat(@PathVariable String customer, @RequestBody Map<String, String> body,
                             @RequestHeader("Idempotency-Key") String requestId) {
        JsonNode response = ai.forCustomer(customer).feature("chat")
                .model("openai", "gpt-4o-mini")
                .maxTokens(MAX_INPUT_TOKENS, MAX_OUTPUT_TOKENS)
                .idempotencyKey(requestId)
                .call(() -> model.complete(body.getOrDefault("prompt", ""), MAX_OUTPUT_TOKENS),
                        AiUsage.openAi());
        return Map.of("answer", response.at("/choices/0/message/content").asText(),
                "balance", credits.wallet(customer, "credits").balance().toString());
    }

    @GetMapping("/customers/{customer}/balance")
    Map<String, String> balance(@PathVariable String customer) {
        return Map.of("balance", credits.wallet(customer, "credits").balance().toString());
    }
}
