"""Text utilities every layer uses: language detection, people-facing number formats, offline token counts.

They sit below agent/, retrieval/, prompts/ and guardrails/ so that none of those imports upwards."""
