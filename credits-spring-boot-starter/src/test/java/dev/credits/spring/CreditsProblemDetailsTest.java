package dev.credits.spring;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.credits.Amount;
import dev.credits.IdempotencyConflictException;
import dev.credits.InsufficientCreditsException;
import dev.credits.NotFoundException;
import dev.credits.StorageUnavailableException;
import dev.credits.ValidationException;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** The ledger's exceptions, thrown from an application's controller, as problem details. */
class CreditsProblemDetailsTest {

    @RestController
    static class Throwing {
        @PostMapping("/throw/{what}")
        String fail(@PathVariable String what) {
            throw switch (what) {
                case "insufficient" -> new InsufficientCreditsException(Amount.parse("1.50", 2),
                        Amount.parse("1.00", 2), Amount.parse("3.00", 2));
                case "validation" -> new ValidationException("amount", "must be positive");
                case "conflict" -> new IdempotencyConflictException("pay-1");
                case "missing" -> new NotFoundException("no grant gr_1");
                default -> new StorageUnavailableException("the database is away", null);
            };
        }
    }

    private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new Throwing())
            .setControllerAdvice(new CreditsProblemDetails()).build();

    @Test
    void insufficientCredits_isA402WithTheNumbers() throws Exception {
        mvc.perform(post("/throw/insufficient")).andExpect(status().isPaymentRequired())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:credits:problem:insufficient_credits"))
                .andExpect(jsonPath("$.code").value("insufficient_credits"))
                .andExpect(jsonPath("$.status").value(402))
                .andExpect(jsonPath("$.title").value("Insufficient credits"))
                .andExpect(jsonPath("$.balance").value("1.50"))
                .andExpect(jsonPath("$.available").value("1.00"))
                .andExpect(jsonPath("$.required").value("3.00"));
    }

    @Test
    void theOtherOutcomes_haveTheStatusesOfTheServersApi() throws Exception {
        mvc.perform(post("/throw/validation")).andExpect(status().isUnprocessableEntity())
                .andExpect(jsonPath("$.errors[0].field").value("amount"));
        mvc.perform(post("/throw/conflict")).andExpect(status().isConflict())
                .andExpect(jsonPath("$.code").value("idempotency_conflict"));
        mvc.perform(post("/throw/missing")).andExpect(status().isNotFound());
        mvc.perform(post("/throw/unavailable")).andExpect(status().isServiceUnavailable())
                .andExpect(jsonPath("$.code").value("unavailable"));
    }
}
