using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Vireo.Host.Lifecycle;
using Vireo.Host.Management;
using Vireo.Host.Specs;

namespace Vireo.Daemon.Store;

/// <summary>
/// The daemon's state in one SQLite database (WAL journal, synchronous=FULL: a committed change survives a power
/// cut): VMs with their spec, desired and observed state, and the event log. Every method is one transaction, so a
/// daemon killed with SIGKILL at any moment restarts with a consistent database. The schema is versioned
/// (<c>PRAGMA user_version</c>) and upgraded by <see cref="SchemaMigrations"/>.
/// </summary>
public sealed class SqliteVmStore : IVmStore, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    /// <summary>Opens (creating and migrating as needed) the database at <paramref name="path"/>.</summary>
    public SqliteVmStore(string path)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL;");
        Execute("PRAGMA synchronous=FULL;");
        Execute("PRAGMA foreign_keys=ON;");
        SchemaMigrations.Apply(_connection);
    }

    /// <summary>The schema version the database is at.</summary>
    public long SchemaVersion
    {
        get
        {
            lock (_lock)
            {
                using SqliteCommand command = _connection.CreateCommand();
                command.CommandText = "PRAGMA user_version;";
                return (long)command.ExecuteScalar()!;
            }
        }
    }

    public IReadOnlyList<VmRecord> Load()
    {
        lock (_lock)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT id, spec, desired, observed, created_at, last_exit FROM vms ORDER BY seq;";
            using SqliteDataReader reader = command.ExecuteReader();
            var records = new List<VmRecord>();
            while (reader.Read())
            {
                records.Add(new VmRecord(
                    reader.GetString(0),
                    VmSpecJson.Deserialize(reader.GetString(1)),
                    Enum.Parse<VmDesiredState>(reader.GetString(2), ignoreCase: true),
                    Enum.Parse<VmState>(reader.GetString(3), ignoreCase: true),
                    DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture),
                    reader.IsDBNull(5) ? null : JsonSerializer.Deserialize<VmExit>(reader.GetString(5), VmSpecJson.Options)));
            }

            return records;
        }
    }

    public bool Insert(VmRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "INSERT OR IGNORE INTO vms (name, id, spec, desired, observed, created_at) VALUES ($name, $id, $spec, $desired, $observed, $created);";
            command.Parameters.AddWithValue("$name", record.Spec.Name);
            command.Parameters.AddWithValue("$id", record.Id);
            command.Parameters.AddWithValue("$spec", VmSpecJson.Serialize(record.Spec));
            command.Parameters.AddWithValue("$desired", Text(record.Desired));
            command.Parameters.AddWithValue("$observed", Text(record.Observed));
            command.Parameters.AddWithValue("$created", record.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
            return command.ExecuteNonQuery() == 1;
        }
    }

    public void UpdateSpec(string name, VmSpec spec) =>
        Update("UPDATE vms SET spec = $value WHERE name = $name;", name, VmSpecJson.Serialize(spec));

    public void SetDesired(string name, VmDesiredState desired) =>
        Update("UPDATE vms SET desired = $value WHERE name = $name;", name, Text(desired));

    public void SetObserved(string name, VmState state, VmExit? exit)
    {
        lock (_lock)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = exit is null
                ? "UPDATE vms SET observed = $state WHERE name = $name;"
                : "UPDATE vms SET observed = $state, last_exit = $exit WHERE name = $name;";
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$state", Text(state));
            if (exit is not null)
            {
                command.Parameters.AddWithValue("$exit", JsonSerializer.Serialize(exit, VmSpecJson.Options));
            }

            command.ExecuteNonQuery();
        }
    }

    public void Delete(string name)
    {
        lock (_lock)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM vms WHERE name = $name;";
            command.Parameters.AddWithValue("$name", name);
            command.ExecuteNonQuery();
        }
    }

    public void AppendEvent(VmEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        lock (_lock)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO events (time, kind, vm, from_state, to_state, reason) VALUES ($time, $kind, $vm, $from, $to, $reason);";
            command.Parameters.AddWithValue("$time", e.Time.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$kind", Text(e.Kind));
            command.Parameters.AddWithValue("$vm", e.Vm);
            command.Parameters.AddWithValue("$from", e.From is null ? DBNull.Value : Text(e.From.Value));
            command.Parameters.AddWithValue("$to", e.To is null ? DBNull.Value : Text(e.To.Value));
            command.Parameters.AddWithValue("$reason", e.Reason);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The last <paramref name="count"/> stored events of <paramref name="vm"/> (or all VMs), oldest first.</summary>
    public IReadOnlyList<(DateTimeOffset Time, string Kind, string Vm, string Reason)> RecentEvents(string? vm, int count)
    {
        lock (_lock)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT time, kind, vm, reason FROM (SELECT * FROM events WHERE $vm IS NULL OR vm = $vm ORDER BY seq DESC LIMIT $count) ORDER BY seq;";
            command.Parameters.AddWithValue("$vm", (object?)vm ?? DBNull.Value);
            command.Parameters.AddWithValue("$count", count);
            using SqliteDataReader reader = command.ExecuteReader();
            var events = new List<(DateTimeOffset, string, string, string)>();
            while (reader.Read())
            {
                events.Add((DateTimeOffset.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            }

            return events;
        }
    }

    public void Dispose() => _connection.Dispose();

    private static string Text<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private void Update(string sql, string name, string value)
    {
        lock (_lock)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$value", value);
            command.ExecuteNonQuery();
        }
    }

    private void Execute(string sql)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
