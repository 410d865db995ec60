import ArgumentParser

@main
struct PeopleAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "people-api",
        abstract: "The People API: a FastCGI responder that stores person records, and its operator tools.",
        discussion: """
            `people-api serve` (the default) runs behind a web server (the bundled nginx config \
            in nginx/) that speaks HTTP to browsers and FastCGI to this process. \
            `people-api token` manages the operator tokens that reading and erasing people need.

            Examples:
              people-api --listen var/people-api.sock
              people-api serve --listen 127.0.0.1:9000 --database /srv/people/people.sqlite
              people-api token create ops --database /srv/people/people.sqlite
            """,
        version: version,
        subcommands: [ServeCommand.self, TokenCommand.self, StatusCommand.self],
        defaultSubcommand: ServeCommand.self
    )

    /// The API's version (openapi.yaml's `info.version`), in `people_api_build_info`.
    static let version = "1.0.0"
}
