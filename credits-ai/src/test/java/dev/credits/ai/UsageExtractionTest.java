package dev.credits.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.credits.ValidationException;
import org.junit.jupiter.api.Test;

/** The token counts of every fixture, as its README gives them. */
class UsageExtractionTest {

    @Test
    void openAiChatCompletion_takesCachedTokensOutOfThePrompt() {
        TokenUsage u = AiUsage.openAi().read(Fixtures.json("openai-chat-completion.json"));
        assertThat(u).isEqualTo(new TokenUsage(398, 1920, 0, 0, 467, 192));
        assertThat(u.totalInputTokens()).isEqualTo(2318);
    }

    @Test
    void openAiChatStream_usesTheLastChunkWithUsage() {
        TokenUsage u = AiUsage.openAiStream().read(Fixtures.text(
                "openai-chat-completion-stream.txt"));
        assertThat(u).isEqualTo(new TokenUsage(206, 1280, 0, 0, 13, 0));
    }

    @Test
    void openAiResponses_readsInputTokenDetails() {
        TokenUsage u = AiUsage.openAi().read(Fixtures.json("openai-responses.json"));
        assertThat(u).isEqualTo(new TokenUsage(161, 2944, 0, 0, 612, 384));
        assertThat(u.totalInputTokens()).isEqualTo(3105);
    }

    @Test
    void openAiResponsesStream_usesTheCompletedEvent_missingCacheWriteIsZero() {
        TokenUsage u = AiUsage.openAiStream().read(Fixtures.text("openai-responses-stream.txt"));
        assertThat(u).isEqualTo(new TokenUsage(197, 1536, 0, 0, 289, 256));
    }

    @Test
    void anthropicMessage_addsCacheReadsAndWrites_splitByTtl() {
        TokenUsage u = AiUsage.anthropic().read(Fixtures.json("anthropic-message.json"));
        assertThat(u).isEqualTo(new TokenUsage(57, 3926, 1184, 0, 341, 0));
        assertThat(u.totalInputTokens()).isEqualTo(5167);
    }

    @Test
    void anthropicStream_takesTheLastDelta_andTheOneHourSplitOfMessageStart() {
        TokenUsage u = AiUsage.anthropicStream().read(Fixtures.text(
                "anthropic-message-stream.txt"));
        assertThat(u).isEqualTo(new TokenUsage(24, 6412, 0, 2150, 41, 0));
        assertThat(u.totalInputTokens()).isEqualTo(8586);
    }

    @Test
    void responseWithoutUsage_readsAsNull() {
        assertThat(AiUsage.openAi().read(Fixtures.parse("{\"id\":\"x\",\"object\":\"chat\"}")))
                .isNull();
        assertThat(AiUsage.openAi().read(Fixtures.parse("{\"usage\":null}"))).isNull();
        assertThat(AiUsage.openAiStream().read("data: {\"usage\":null}\n\ndata: [DONE]\n"))
                .isNull();
        assertThat(AiUsage.anthropicStream().read("event: ping\ndata: {\"type\":\"ping\"}\n"))
                .isNull();
    }

    @Test
    void httpUsageObject_acceptsEveryProviderShape_andTheNeutralOne() {
        assertThat(AiUsage.fromUsageObject(Fixtures.json("openai-chat-completion.json")
                .get("usage"))).isEqualTo(new TokenUsage(398, 1920, 0, 0, 467, 192));
        assertThat(AiUsage.fromUsageObject(Fixtures.json("anthropic-message.json")
                .get("usage"))).isEqualTo(new TokenUsage(57, 3926, 1184, 0, 341, 0));
        assertThat(AiUsage.fromUsageObject(Fixtures.parse("{\"input_tokens\":100,"
                + "\"output_tokens\":5,\"cached_input_tokens\":40}")))
                .isEqualTo(new TokenUsage(60, 40, 0, 0, 5, 0));
    }

    @Test
    void wrongShapes_areValidationErrors() {
        String[] bad = {"[]", "{}", "{\"input_tokens\":1}",
            "{\"input_tokens\":-1,\"output_tokens\":1}",
            "{\"input_tokens\":1000000001,\"output_tokens\":1}",
            "{\"input_tokens\":1.5,\"output_tokens\":1}",
            "{\"input_tokens\":\"7\",\"output_tokens\":1}",
            "{\"input_tokens\":10,\"output_tokens\":1,\"cached_input_tokens\":11}",
            "{\"input_tokens\":10,\"output_tokens\":1,\"tokens\":3}",
            "{\"prompt_tokens\":10,\"completion_tokens\":1,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":20}}"};
        for (String json : bad) {
            assertThatThrownBy(() -> AiUsage.fromUsageObject(Fixtures.parse(json)))
                    .as(json).isInstanceOf(ValidationException.class);
        }
        assertThatThrownBy(() -> AiUsage.openAiStream().read("data: {not json\n"))
                .isInstanceOf(ValidationException.class);
    }
}
