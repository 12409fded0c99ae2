"""Client lifetime value: the BTYD models of retain.analytics fitted on clients' purchases."""
