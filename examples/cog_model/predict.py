"""A word-list sentiment model, packaged with Cog."""

from cog import BaseRunner, Input

POSITIVE = {"good", "great", "love", "excellent", "fast", "bon", "super"}
NEGATIVE = {"bad", "slow", "broken", "hate", "awful", "mauvais", "lent"}


class Runner(BaseRunner):
    def setup(self) -> None:
        self.positive = POSITIVE
        self.negative = NEGATIVE

    def run(
        self,
        text: str = Input(description="A review", min_length=1),
        language: str = Input(description="Its language", choices=["en", "fr"], default="en"),
        threshold: int = Input(description="Score needed to call it", default=1, ge=1, le=5),
    ) -> str:
        words = [w.strip(".,!?").lower() for w in text.split()]
        score = sum(w in self.positive for w in words) - sum(w in self.negative for w in words)
        print(f"score {score} for {len(words)} words")
        if score >= threshold:
            return "positive"
        if score <= -threshold:
            return "negative"
        return "neutral"
