"""What is sent when, within the budget, and what is done with each answer."""
