"""`sentient whatsapp-worker`: the WhatsApp reply worker as its own process (for scale-out)."""

from __future__ import annotations

import asyncio
import logging
import signal

from sentient.settings import get_settings


def whatsapp_worker() -> None:
    """Answer WhatsApp messages and send the replies; run with WHATSAPP_WORKER=off on the web servers."""
    from channels.whatsapp.worker import run_forever
    from sentient.state import AppState

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    state = AppState.build(settings)
    runtime = state.whatsapp
    if runtime.dispatcher is None:
        state.close()
        raise SystemExit("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM must be set")

    async def main() -> None:
        stop, wake = asyncio.Event(), asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        # The model phrases this process's answers as it does in `serve` (it was never started here, so a
        # separate worker always answered in fallback), and chat-log rows spooled during a database blip
        # are written by this process's own flusher.
        await state.model.astart()
        await state.flusher.start()
        try:
            await run_forever(runtime.worker, wake, stop, settings.whatsapp_poll_s)
        finally:
            await state.flusher.stop()
            await state.model.astop()

    try:
        asyncio.run(main())
    finally:
        state.close()
