package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	lkproto "github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/redis/go-redis/v9"
)

// egressRequestChannel is where LiveKit publishes egress requests: psrpc's
// Redis bus uses a request's legacy channel name, service|method|topic|REQ
// with empty parts left out (psrpc v0.7.6 pkg/info/channels.go,
// GetRPCChannel; internal/bus/bus_redis.go publishes on channel.Legacy).
// The server calls EgressInternal.StartEgress with topic ""
// (livekit-server v1.13.5 pkg/service/egress.go, egressLauncher.StartEgress;
// livekit/protocol rpc/egress.psrpc.go names the service EgressInternal).
const egressRequestChannel = "EgressInternal|StartEgress|REQ"

// egressWait bounds the API call: with no worker, psrpc's selection gives
// up after its affinity timeout (1 s), and protocol's egress client retries
// a few times with growing timeouts.
const egressWait = 30 * time.Second

// TestEgressRequestRoutedOverRedis boots LiveKit nodes on the gcp-eu
// region's rendered config (the region whose plan now carries Egress, on
// the same Memorystore-like TLS+AUTH Redis), starts a room composite and a
// track egress through the server SDK's EgressClient, and watches the
// egress request channel on Redis with go-redis, as an Egress worker
// subscribes to it: each request is published there, carrying the room
// and the output path asked for.
//
// No Egress worker runs here: github.com/livekit/egress is not served by
// the module proxy, and its image (Chrome, GStreamer) cannot run in CI.
// So nothing claims the request: the API call fails once psrpc gives up
// finding a worker, and the test asserts that too. What it proves is the
// server side of the path: the servers accept egress requests with the
// rendered config and route them to the egress service over Redis.
func TestEgressRequestRoutedOverRedis(t *testing.T) {
	n := startRegionNode(t, "gcp-eu")
	reg, rds := n.Reg, n.Redis
	waitRegistry(t, rds, "the node registers in Redis", func(ids []string) bool { return len(ids) == 1 })

	// A worker's view of Redis: the region's credentials over TLS.
	sub := redis.NewClient(&redis.Options{
		Addr: rds.Addr, Username: reg.RedisUser, Password: reg.RedisPassword, Protocol: 2,
		TLSConfig: &tls.Config{RootCAs: n.Certs.Roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
	})
	t.Cleanup(func() { sub.Close() })
	ps := sub.Subscribe(t.Context(), egressRequestChannel)
	t.Cleanup(func() { ps.Close() })
	if _, err := ps.Receive(ctxT(t)); err != nil {
		t.Fatalf("SUBSCRIBE %s: %v", egressRequestChannel, err)
	}
	msgs := ps.Channel()

	rooms := lksdk.NewRoomServiceClient(n.Node.URL, reg.APIKey, reg.APISecret)
	egress := lksdk.NewEgressClient(n.Node.URL, reg.APIKey, reg.APISecret)
	room := "e2e-egress-" + randomToken(t, 4)
	if _, err := rooms.CreateRoom(ctxT(t), &lkproto.CreateRoomRequest{Name: room}); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}

	for _, tc := range []struct {
		name, path string
		start      func(ctx context.Context, path string) error
	}{
		{"room composite", "recordings/" + room + "-composite.mp4", func(ctx context.Context, path string) error {
			_, err := egress.StartRoomCompositeEgress(ctx, &lkproto.RoomCompositeEgressRequest{
				RoomName: room, Layout: "speaker",
				FileOutputs: []*lkproto.EncodedFileOutput{{FileType: lkproto.EncodedFileType_MP4, Filepath: path}},
			})
			return err
		}},
		{"track", "recordings/" + room + "-track.ogg", func(ctx context.Context, path string) error {
			_, err := egress.StartTrackEgress(ctx, &lkproto.TrackEgressRequest{
				RoomName: room, TrackId: "TR_e2eAudio",
				Output: &lkproto.TrackEgressRequest_File{File: &lkproto.DirectFileOutput{Filepath: path}},
			})
			return err
		}},
	} {
		step(t, tc.name+" request is published to the egress service over Redis", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), egressWait)
			defer cancel()
			done := make(chan error, 1)
			start := time.Now()
			go func() { done <- tc.start(ctx, tc.path) }()

			var published bool
			var callErr error
			var returned bool
			for !published {
				select {
				case m, ok := <-msgs:
					if !ok {
						t.Fatal("the subscription closed")
					}
					// The request travels as protobuf: the room and the path are
					// plain bytes inside it.
					if strings.Contains(m.Payload, room) && strings.Contains(m.Payload, tc.path) {
						published = true
						t.Logf("%s published on %s after %v (%d bytes)", tc.name, m.Channel, time.Since(start).Round(time.Millisecond), len(m.Payload))
					}
				case callErr = <-done:
					returned = true
					if !published {
						// Give a late delivery a moment before failing.
						select {
						case m := <-msgs:
							if strings.Contains(m.Payload, room) && strings.Contains(m.Payload, tc.path) {
								published = true
								continue
							}
						case <-time.After(2 * time.Second):
						}
						t.Fatalf("the API call returned (%v) and no request for %s reached %s", callErr, tc.path, egressRequestChannel)
					}
				case <-ctx.Done():
					t.Fatalf("no request for room %s, %s on %s within %v", room, tc.path, egressRequestChannel, egressWait)
				}
			}
			if !returned {
				select {
				case callErr = <-done:
				case <-time.After(egressWait + 5*time.Second):
					t.Fatal("the API call did not return")
				}
			}
			// No worker claimed it: the call must fail, not report a
			// recording that is not happening.
			if callErr == nil {
				t.Fatal("StartEgress succeeded with no Egress worker running")
			}
			if errors.Is(callErr, context.Canceled) {
				t.Fatalf("StartEgress: %v", callErr)
			}
			t.Logf("with no worker, %s failed as expected after %v: %v", tc.name, time.Since(start).Round(time.Millisecond), callErr)
		})
	}
}
