"""What practice software sees of us: API keys, outbound webhook events, the calendar feed.

The bottom layer of the domain: every other domain package may record an event here."""
