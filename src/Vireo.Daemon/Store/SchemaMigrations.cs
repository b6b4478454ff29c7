using Microsoft.Data.Sqlite;

namespace Vireo.Daemon.Store;

/// <summary>
/// The database schema as an ordered list of migrations; <c>PRAGMA user_version</c> records how many have run. Each
/// runs in its own transaction with the version bump, so a crash mid-upgrade leaves the previous version intact.
/// A database from a newer Vireo (a higher version than this list knows) is refused rather than written.
/// </summary>
internal static class SchemaMigrations
{
    private static readonly string[] s_migrations =
    [
        // 1: VMs and the event log.
        """
        CREATE TABLE vms (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            id TEXT NOT NULL UNIQUE,
            spec TEXT NOT NULL,
            desired TEXT NOT NULL,
            observed TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_exit TEXT
        );
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            time TEXT NOT NULL,
            kind TEXT NOT NULL,
            vm TEXT NOT NULL,
            from_state TEXT,
            to_state TEXT,
            reason TEXT NOT NULL
        );
        CREATE INDEX events_vm ON events (vm, seq);
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int Latest => s_migrations.Length;

    public static void Apply(SqliteConnection connection)
    {
        long version = Version(connection);
        if (version > Latest)
        {
            throw new InvalidOperationException($"the state database is at schema version {version}, newer than this Vireo knows ({Latest}); refusing to touch it");
        }

        for (long next = version; next < Latest; next++)
        {
            using SqliteTransaction transaction = connection.BeginTransaction();
            using (SqliteCommand command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = s_migrations[next] + $"\nPRAGMA user_version = {next + 1};";
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    private static long Version(SqliteConnection connection)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return (long)command.ExecuteScalar()!;
    }
}
