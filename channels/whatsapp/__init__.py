"""WhatsApp via Twilio: verified webhooks, exactly-once replies, the 24-hour window, OTP identity."""
