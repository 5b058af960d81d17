package dev.credits.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.stereotype.Component;

/** Answers without a network, with the token counts a real model would report. */
@Component
class StubChatModel implements ChatModel {
    private static final int CHARACTERS_PER_TOKEN = 4;
    /** The system prompt and context an application sends with every question. */
    private static final int CONTEXT_TOKENS = 2_000;
    private static final int ANSWER_TOKENS = 300;
    private final ObjectMapper mapper;

    StubChatModel(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public JsonNode complete(String prompt, long maxOutputTokens) {
        String answer = "You asked: " + prompt;
        ObjectNode response = mapper.createObjectNode();
        response.put("model", "gpt-4o-mini");
        response.putArray("choices").addObject().putObject("message")
                .put("role", "assistant").put("content", answer);
        response.putObject("usage")
                .put("prompt_tokens", CONTEXT_TOKENS + prompt.length() / CHARACTERS_PER_TOKEN)
                .put("completion_tokens", Math.min(maxOutputTokens, ANSWER_TOKENS));
        return response;
    }
}
