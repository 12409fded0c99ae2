"""Advocacy both ways: referrals and references a client gives us, introductions we make for it."""
