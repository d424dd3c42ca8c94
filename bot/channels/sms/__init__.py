"""SMS channel: GSM-7 text (gsm7) and rendering of the engine's replies as short numbered texts (render)."""
