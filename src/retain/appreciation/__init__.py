"""Appreciation: client milestones that become thank-you touches for the owner."""
