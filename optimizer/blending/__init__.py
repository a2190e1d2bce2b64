"""The blending requirement: how many agents a plan needs where agents answer several channels.

A caller waits behind whatever the agents at the caller's sites are busy with (a chat, an
email), so per-channel requirements misjudge shared agents (``optimizer.queueing.pooled``). This
package plans each round's capacity with a pooled model of every real-time queue
(``cells``), calibrated against the simulation of the rounds before (``calibration``), through
cutting planes on the LP relaxation that become capacity floors of the round's MILP
(``cuts``)."""
