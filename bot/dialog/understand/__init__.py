"""The parts of the understanding layer (bot.dialog.understanding): tokens and phrases, quantities,
one reader per answer type, and language detection."""
