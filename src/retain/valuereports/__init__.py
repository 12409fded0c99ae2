"""The one-page value report per client (HTML, and PDF for sending)."""
