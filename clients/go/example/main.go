// Command example is a Go client built only from proto/ (stubs from buf.gen.go.yaml): it creates an
// API key with the admin token, then an invite with that key, and prints the invite as one JSON line.
//
//	npx buf generate --template buf.gen.go.yaml
//	INVITES_ADMIN_TOKEN=... go -C clients/go run ./example -url http://127.0.0.1:8080 -host example.com
//
// -protocol picks the wire protocol: connect (Connect over HTTP/1.1) or grpc (gRPC over cleartext
// HTTP/2). The admin token comes from the environment, not the command line, so `ps` never shows it.
// test/e2e/go-client.test.ts runs it against a real server.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"connectrpc.com/connect"

	invitesv1 "example.com/invites/clients/go/gen/invites/v1"
	"example.com/invites/clients/go/gen/invites/v1/invitesv1connect"
)

type result struct {
	URI            string `json:"uri"`
	Token          string `json:"token"`
	Host           string `json:"host"`
	LandingPageURL string `json:"landing_page_url"`
	Source         string `json:"source"`
	KeyID          string `json:"key_id"`
	Protocol       string `json:"protocol"`
	// The code of a CreateInvite with a key the server does not know: the error is typed.
	RefusedWith string `json:"refused_with"`
}

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "base URL of the invites server")
	host := flag.String("host", "localhost", "a host configured on the server: the new key's host")
	protocol := flag.String("protocol", "connect", "connect (HTTP/1.1) or grpc (cleartext HTTP/2)")
	flag.Parse()
	adminToken := os.Getenv("INVITES_ADMIN_TOKEN")
	if adminToken == "" {
		fail(errors.New("set INVITES_ADMIN_TOKEN to the server's admin token"))
	}

	httpClient, options, err := transport(*protocol)
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	keys := invitesv1connect.NewKeyAdminClient(httpClient, *url, options...)
	keyRequest := connect.NewRequest(&invitesv1.CreateKeyRequest{Host: *host, Name: "go client (" + *protocol + ")"})
	keyRequest.Header().Set("Authorization", "Bearer "+adminToken)
	created, err := keys.CreateKey(ctx, keyRequest)
	if err != nil {
		fail(fmt.Errorf("CreateKey: %w", err))
	}

	invites := invitesv1connect.NewInviteServiceClient(httpClient, *url, options...)
	inviteRequest := connect.NewRequest(&invitesv1.CreateInviteRequest{})
	inviteRequest.Header().Set("Authorization", "Bearer "+created.Msg.GetFullKey())
	made, err := invites.CreateInvite(ctx, inviteRequest)
	if err != nil {
		fail(fmt.Errorf("CreateInvite: %w", err))
	}

	badRequest := connect.NewRequest(&invitesv1.CreateInviteRequest{})
	badRequest.Header().Set("Authorization", "Bearer not-a-key")
	refusedWith := "ok"
	if _, err := invites.CreateInvite(ctx, badRequest); err != nil {
		refusedWith = connect.CodeOf(err).String()
	}

	invite := made.Msg.GetInvite()
	out, err := json.Marshal(result{
		URI:            invite.GetUri(),
		Token:          invite.GetToken(),
		Host:           invite.GetHost(),
		LandingPageURL: invite.GetLandingPageUrl(),
		Source:         invite.GetSource(),
		KeyID:          created.Msg.GetKey().GetId(),
		Protocol:       *protocol,
		RefusedWith:    refusedWith,
	})
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

// transport gives the HTTP client and connect-go options for a protocol. gRPC needs HTTP/2, which
// over http:// (no TLS) is h2c with prior knowledge: Go 1.24's http.Protocols does that.
func transport(protocol string) (*http.Client, []connect.ClientOption, error) {
	switch protocol {
	case "connect":
		return http.DefaultClient, nil, nil
	case "grpc":
		protocols := new(http.Protocols)
		protocols.SetUnencryptedHTTP2(true)
		return &http.Client{Transport: &http.Transport{Protocols: protocols}}, []connect.ClientOption{connect.WithGRPC()}, nil
	default:
		return nil, nil, fmt.Errorf("unknown -protocol %q: connect or grpc", protocol)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "example:", err)
	os.Exit(1)
}
