package components

// TTLs of the Route 53 records a region declares in the global stack's
// zone (every cloud's names live there).
const (
	// FrontDoorRecordTTL is the TTL of a region's own signaling and TURN
	// names: short, so that clients find a rebuilt region's new address
	// quickly.
	FrontDoorRecordTTL = 60
	// StaticRecordTTL is the TTL of names that do not move: certificate
	// validation records and the recordings CDN's name.
	StaticRecordTTL = 300
)
