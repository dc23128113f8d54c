"""A clinic's notification channels through Apprise: chat, paging, SMS and mail URLs."""
