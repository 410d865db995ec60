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
              people-api serve --listen unix:/run/people-api/people-api.sock --database /var/lib/people-api/people.sqlite
              people-api token create ops --database /var/lib/people-api/people.sqlite
              PEOPLE_API_DATABASE_URL=postgresql://people_api:secret@db/people people-api serve --listen 127.0.0.1:9000

            The database is never assumed: give --database, --database-url-file, or \
            PEOPLE_API_DATABASE_URL (or DATABASE_URL). Files and folders it creates are 0600 and 0700.
            """,
        version: version,
        subcommands: [ServeCommand.self, TokenCommand.self, StatusCommand.self],
        defaultSubcommand: ServeCommand.self
    )

    /// The API's version (openapi.yaml's `info.version`), in `people_api_build_info`.
    static let version = "1.0.0"
}
