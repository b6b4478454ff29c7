using System.Text;

namespace Vireo.Machine;

/// <summary>
/// Watches the guest console: keeps the last lines (shown again when the VM fails) and spots a Linux kernel panic.
/// </summary>
public sealed class ConsoleTail
{
    private static ReadOnlySpan<byte> PanicMarker => "Kernel panic - not syncing"u8;

    private readonly int _capacity;
    private readonly Queue<string> _lines = new();
    private readonly List<byte> _current = new(256);
    private readonly object _gate = new();

    /// <summary>Keeps up to <paramref name="capacity"/> complete lines.</summary>
    public ConsoleTail(int capacity = 20)
    {
        _capacity = capacity;
    }

    /// <summary>Raised once, on the console thread, when a kernel panic line completes.</summary>
    public event Action<string>? Panic;

    /// <summary>Feeds console output bytes.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            if (b == (byte)'\n')
            {
                CompleteLine();
            }
            else if (b != (byte)'\r')
            {
                lock (_gate)
                {
                    if (_current.Count < 4096)
                    {
                        _current.Add(b);
                    }
                }
            }
        }
    }

    /// <summary>The last complete lines plus the unfinished one, oldest first.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                var lines = new List<string>(_lines);
                if (_current.Count > 0)
                {
                    lines.Add(Encoding.UTF8.GetString(_current.ToArray()));
                }

                return lines;
            }
        }
    }

    private void CompleteLine()
    {
        string line;
        bool panic;
        lock (_gate)
        {
            byte[] bytes = _current.ToArray();
            line = Encoding.UTF8.GetString(bytes);
            panic = bytes.AsSpan().IndexOf(PanicMarker) >= 0;
            _lines.Enqueue(line);
            while (_lines.Count > _capacity)
            {
                _lines.Dequeue();
            }

            _current.Clear();
        }

        if (panic)
        {
            Panic?.Invoke(line);
        }
    }
}
