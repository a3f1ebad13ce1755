// Package ci checks the GitHub Actions workflows (.github/workflows) as a
// security reviewer would, offline and without any cloud SDK:
//
//   - workflows_test.go parses every workflow (yaml.v3) and asserts each
//     job's permissions against a table, that id-token: write appears only in
//     the jobs whose cloud identity is the intended one (deploy, drift,
//     opt-in live preview) and that each of them names only its own
//     identity's variables, that pull-request jobs see no secret and no
//     deploy or drift identity, that every action is pinned to a commit SHA
//     with its tag in a comment, that checkout never persists credentials,
//     and that no run script expands an expression inline;
//   - comment_test.go runs the github-script of preview-comment.yml with node
//     against a fake API: the pull request comes from the run's head commit,
//     never from the artifact, and only the bot's own comment is edited;
//   - actionlint_test.go runs actionlint (a pinned version, installed by
//     scripts/install-test-deps.sh) over the workflows.
package ci
