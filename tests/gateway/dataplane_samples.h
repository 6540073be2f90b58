#pragma once
// Request and response bodies for the data-plane tests, kept out of Q_OBJECT
// files (Qt 6.4's moc chokes on some raw string literals).
namespace signalbox::tests::samples {
// A 64-bit seed a double cannot hold, a nested string with braces and quotes,
// an OpenRouter routing block and a usage option.
inline constexpr char kRequestWithOwnedFields[] =
    R"({"model": "alpha/chat", "seed": 9007199254740993, "messages": [{"role": "user", "content": "say {\"hi\"} ]"}],)"
    R"( "models": ["beta/chat"], "provider": {"order": ["b"]}, "usage": {"include": true}, "temperature": 0.30000000000000004})";
inline constexpr char kUpstreamAnswer[] =
    R"({"id":"chatcmpl-1","object":"chat.completion","model":"chat","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":4}}})";
} // namespace signalbox::tests::samples
