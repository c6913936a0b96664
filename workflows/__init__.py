"""The state machines of the portal, as data, and the one function that fires them."""
