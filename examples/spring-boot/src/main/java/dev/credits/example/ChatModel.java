package dev.credits.example;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The AI provider the application calls: replace {@link StubChatModel} with the real client
 * (OpenAI's, Anthropic's, Spring AI's). Metering needs only the response's {@code usage}.
 */
public interface ChatModel {
    /** An OpenAI-shaped chat completion: {@code choices[0].message.content} and {@code usage}. */
    JsonNode complete(String prompt, long maxOutputTokens);
}
