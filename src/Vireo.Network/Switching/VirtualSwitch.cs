using Vireo.Network.Packets;

namespace Vireo.Network.Switching;

/// <summary>
/// A learning layer-2 switch. Ports are objects (<see cref="AddPort"/>), so a VM manager can run it in-process; the
/// Unix-socket <see cref="SwitchServer"/> gives each client process a port. Broadcast, multicast and unknown unicast
/// frames are flooded to every other port; source addresses are learned per port and age out after
/// <see cref="AgingTime"/> on the injected clock.
/// </summary>
public sealed class VirtualSwitch
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<MacAddress, MacTableEntry> _table = [];
    private readonly int _maxEntries;
    private SwitchPort[] _ports = [];
    private int _nextPortNumber;
    private long _learnRefused;

    public VirtualSwitch(TimeProvider? timeProvider = null, TimeSpan? agingTime = null, int maxMacEntries = 4096)
    {
        _time = timeProvider ?? TimeProvider.System;
        AgingTime = agingTime ?? TimeSpan.FromSeconds(300);
        _maxEntries = maxMacEntries;
    }

    public TimeSpan AgingTime { get; }

    /// <summary>Source addresses not learned because the table was full.</summary>
    public long LearnRefused => Interlocked.Read(ref _learnRefused);

    public IReadOnlyList<SwitchPort> Ports => Volatile.Read(ref _ports);

    /// <summary>Number of learned addresses (including ones that have aged but were not yet looked at).</summary>
    public int MacTableCount
    {
        get
        {
            lock (_gate)
            {
                return _table.Count;
            }
        }
    }

    /// <summary>Plugs in a port whose outgoing frames go to <paramref name="sink"/>.</summary>
    public SwitchPort AddPort(IFrameReceiver sink, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(sink);
        lock (_gate)
        {
            var port = new SwitchPort(this, sink, name ?? $"port{_nextPortNumber}");
            _nextPortNumber++;
            _ports = [.. _ports, port];
            return port;
        }
    }

    internal void RemovePort(SwitchPort port)
    {
        lock (_gate)
        {
            _ports = Array.FindAll(_ports, p => p != port);
            List<MacAddress>? stale = null;
            foreach (KeyValuePair<MacAddress, MacTableEntry> entry in _table)
            {
                if (entry.Value.Port == port)
                {
                    (stale ??= []).Add(entry.Key);
                }
            }

            if (stale is not null)
            {
                foreach (MacAddress mac in stale)
                {
                    _table.Remove(mac);
                }
            }
        }
    }

    /// <summary>The port a MAC address was learned on, if it has not aged out.</summary>
    public SwitchPort? Lookup(MacAddress mac)
    {
        lock (_gate)
        {
            return LookupLocked(mac, _time.GetTimestamp());
        }
    }

    private SwitchPort? LookupLocked(MacAddress mac, long now)
    {
        if (!_table.TryGetValue(mac, out MacTableEntry? entry))
        {
            return null;
        }

        if (_time.GetElapsedTime(entry.LastSeen, now) > AgingTime)
        {
            _table.Remove(mac);
            return null;
        }

        return entry.Port;
    }

    internal void Forward(SwitchPort from, ReadOnlySpan<byte> frame, ReceiveOffload offload)
    {
        if (!EthernetHeader.TryRead(frame, out EthernetHeader ethernet) || ethernet.Source.IsMulticast ||
            (offload.TcpSegmentSize != 0 && !TcpSegmenter.IsValidLargeSegment(frame, offload.TcpSegmentSize)))
        {
            from.Counters.Drop();
            return;
        }

        from.Counters.In();
        SwitchPort? target = null;
        SwitchPort[] ports;
        lock (_gate)
        {
            ports = _ports;
            if (Array.IndexOf(ports, from) < 0)
            {
                // Unplugged while sending.
                return;
            }

            long now = _time.GetTimestamp();
            if (_table.TryGetValue(ethernet.Source, out MacTableEntry? entry))
            {
                entry.Port = from;
                entry.LastSeen = now;
            }
            else if (_table.Count < _maxEntries)
            {
                _table.Add(ethernet.Source, new MacTableEntry(from, now));
            }
            else
            {
                _learnRefused++;
            }

            if (!ethernet.Destination.IsMulticast)
            {
                target = LookupLocked(ethernet.Destination, now);
            }
        }

        if (target is not null)
        {
            // Never reflect a frame back to the port it came in on.
            if (target != from)
            {
                target.Deliver(frame, offload);
            }

            return;
        }

        foreach (SwitchPort port in ports)
        {
            if (port != from)
            {
                port.Deliver(frame, offload);
            }
        }
    }
}
