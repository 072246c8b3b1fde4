"""A photo of the alarm screen over WhatsApp: the signed webhook, the fake Twilio's media URL fetched with the
account's credentials, Tesseract reading the code, and the cited manual answer saying what was read.
The screens are rendered here with Pillow (dark and light HMI screens, rotated, noisy, JPEG and PNG)."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from sqlalchemy import Engine

from channels.whatsapp import alarm_photo
from retrieval.ingest import ingest
from sentient.retrieval_wiring import RetrievalHub
from sentient.settings import Settings
from tests.integration.wa_harness import AiChat, Wa, running
from textkit.tokens import TokenCounter

MANUALS = Path(__file__).resolve().parents[2] / "manuals"
OPERATOR = "+6281100000004"  # operator1, Indonesian
pytestmark = [
    pytest.mark.skipif(not alarm_photo.available(), reason="tesseract-ocr is not installed"),
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]


def screen(lines: list[str], *, angle: float, noise: float, dark: bool, fmt: str) -> tuple[bytes, str]:
    """A photographed HMI screen: title bar, the alarm line, hints; turned, speckled, blurred, encoded."""
    bg, fg, bar = (
        ((20, 30, 60), (255, 80, 60), (180, 20, 20)) if dark else ((225, 230, 220), (20, 20, 20), (200,) * 3)
    )
    img = Image.new("RGB", (1024, 640), bg)
    draw = ImageDraw.Draw(img)
    draw.rectangle((30, 30, 994, 110), fill=bar)
    draw.text(
        (50, 45),
        "ALARM  MCH-003  12:41",
        fill=(255, 255, 255) if dark else (0, 0, 0),
        font=ImageFont.load_default(size=34),
    )
    for i, line in enumerate(lines):
        size, colour = (44, fg) if i == 0 else (34, (200, 220, 255) if dark else (40, 40, 40))
        draw.text((60, 170 + 70 * i), line, fill=colour, font=ImageFont.load_default(size=size))
    img = img.rotate(angle, expand=True, fillcolor=(10, 10, 10))
    rng, pixels = random.Random(3), img.load()
    assert pixels is not None
    for _ in range(int(img.width * img.height * noise)):
        v = rng.randrange(256)
        pixels[rng.randrange(img.width), rng.randrange(img.height)] = (v, v, v)
    out = io.BytesIO()
    img.filter(ImageFilter.GaussianBlur(0.8)).save(out, fmt, **({"quality": 80} if fmt == "JPEG" else {}))
    return out.getvalue(), f"image/{fmt.lower()}"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample manuals ingested once (the embedding model is the slow part)."""
    data = tmp_path_factory.mktemp("photo-kb")
    settings = Settings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
    ingest(MANUALS, RetrievalHub(settings).store(), TokenCounter(data / "tiktoken"))
    return data


@pytest.fixture
def wa(seeded_engine: Engine, spec_today: date, kb: Path) -> Iterator[Wa]:
    with running(seeded_engine, spec_today, kb) as harness:
        yield harness


def send_photo(wa: Wa, data: bytes, content_type: str, body: str = "", url: str | None = None) -> None:
    url = url or wa.fake.add_media(data, content_type)
    wa.say(body, OPERATOR, NumMedia="1", MediaUrl0=url, MediaContentType0=content_type)
    wa.drain()


LINES = ["E-410 Wire feed fault", "Check wire drum and feeder", "Press RESET"]


@pytest.mark.parametrize(
    ("angle", "dark", "fmt"), [(5.0, True, "JPEG"), (9.0, False, "PNG"), (14.0, True, "JPEG")]
)
def test_a_photo_of_the_alarm_screen_gets_the_manual_answer_for_the_code_read(
    wa: Wa, angle: float, dark: bool, fmt: str
) -> None:
    data, content_type = screen(LINES, angle=angle, noise=0.03, dark=dark, fmt=fmt)
    send_photo(wa, data, content_type)
    reply = "\n".join(wa.replies(OPERATOR))
    # what was read, spelled as the manual's heading when OCR ran the words together
    assert reply.splitlines()[0] == "Terbaca: E-410 Wire feed fault", reply
    # the cited answer of the Indonesian welding manual for that code
    assert "E-410" in reply and "welding-robot-c1.id.md" in reply and "Sumber:" in reply, reply
    assert wa.count(AiChat) == 1


def test_the_light_screen_is_read_word_for_word(wa: Wa) -> None:
    data, content_type = screen(LINES, angle=9.0, noise=0.03, dark=False, fmt="PNG")
    send_photo(wa, data, content_type)
    assert wa.replies(OPERATOR)[0].startswith("Terbaca: E-410 Wire feed fault\n")


def test_an_unreadable_photo_gets_a_clear_ask_for_the_code(wa: Wa) -> None:
    rng = random.Random(5)
    noise = Image.frombytes("L", (640, 480), bytes(rng.randrange(256) for _ in range(640 * 480)))
    out = io.BytesIO()
    noise.save(out, "PNG")
    send_photo(wa, out.getvalue(), "image/png")
    (reply,) = wa.replies(OPERATOR)
    # either nothing was read or the "code" read off the noise is in no manual: the operator is asked to
    # type the code, with an example of what one looks like
    assert "Mohon ketik" in reply and "E-410" in reply, reply
    assert wa.count(AiChat) == 0


def test_media_outside_the_account_or_of_another_type_is_not_read(wa: Wa) -> None:
    data, content_type = screen(LINES, angle=0.0, noise=0.0, dark=True, fmt="PNG")
    # a URL on another host: never fetched with the account's credentials
    send_photo(wa, data, content_type, url="http://127.0.0.1:9/2010-04-01/Accounts/ACx/Media/ME1")
    # declared PNG, served as something else
    url = wa.fake.add_media(b"GIF89a" + bytes(100), "image/gif")
    send_photo(wa, data, "image/png", url=url)
    replies = wa.replies(OPERATOR)
    assert len(replies) == 2 and all("tidak terbaca" in r for r in replies), replies
    # a type that is not a photo at all is turned away at the gate, as before
    wa.say("", OPERATOR, NumMedia="1", MediaUrl0=url, MediaContentType0="audio/ogg")
    wa.drain()
    assert "hanya pesan teks" in wa.replies(OPERATOR)[-1]
    assert wa.count(AiChat) == 0
