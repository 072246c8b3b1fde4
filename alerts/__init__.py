"""Proactive alerts: rules over the warehouse, the engine (fire, escalate, clear), routing, the outbox
writer, the dispatcher and the `sentient worker` loop. See README "Alerts"."""
