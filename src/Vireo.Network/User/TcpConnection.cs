using System.Net.Sockets;
using Vireo.Network.Packets;

namespace Vireo.Network.User;

/// <summary>
/// One NAT'd TCP connection: a TCP endpoint toward the guest (RFC 9293 subset: handshake both ways, sequence and
/// acknowledgment numbers, receive window with scaling, MSS, retransmission with an RFC 6298 RTO, fast retransmit,
/// out-of-order buffering, zero-window probing, FIN/RST both ways, TIME-WAIT) joined to a host socket. Runs only on
/// the back-end's event-loop thread.
/// </summary>
internal sealed class TcpConnection
{
    public const int BufferSize = 256 * 1024;
    public const int OurWindowScale = 3;
    public const ushort OurMss = 1460;
    private const int MaxRetries = 10;
    private const long SynRetryToGuestMs = 1000;
    private const int MaxOutOfOrder = 64;
    private const long MinRtoMs = 200;
    private const long MaxRtoMs = 60_000;

    private readonly UserNetworkBackend _owner;
    private readonly ByteRing _toGuest = new(BufferSize);
    private readonly ByteRing _toHost = new(BufferSize);
    private readonly List<OutOfOrderSegment> _outOfOrder = [];

    // Send side (toward the guest). _sendBase is the sequence number of _toGuest's first byte.
    private uint _iss;
    private uint _sndUna;
    private uint _sndNxt;
    private uint _sndMax;
    private uint _sendBase;
    private long _sndWnd;
    private int _sndShift;
    private int _mss = 536;
    private long _cwnd;
    private bool _hostEof;
    private bool _finSent;
    private bool _finAcked;
    private bool _closedFirst;
    private uint _finSeq;

    // Receive side (from the guest).
    private uint _rcvNxt;
    private int _rcvShift;
    private bool _guestFin;
    private bool _haveOutOfOrderFin;
    private uint _outOfOrderFinSeq;
    private uint _advertisedEdge;

    // Timers (milliseconds on the back-end's clock; 0 = not running).
    private long _rto = 1000;
    private long _srtt;
    private long _rttvar;
    private bool _rttTiming;
    private uint _rttSeq;
    private long _rttStart;
    private long _rtoDeadline;
    private long _persistDeadline;
    private long _persistInterval;
    private long _deadline;
    private int _retries;
    private int _dupAcks;

    private bool _ackPending;
    private bool _guestBusy;
    private bool _hostReading;
    private bool _hostWriting;
    private bool _hostShutdown;

    public TcpConnection(UserNetworkBackend owner, FlowKey key)
    {
        _owner = owner;
        Key = key;
        LastActivity = owner.NowMs;
    }

    public FlowKey Key { get; }

    public Socket? Host { get; set; }

    public TcpPhase Phase { get; private set; }

    public long LastActivity { get; private set; }

    /// <summary>True while the connection is waiting in the back-end's flush list.</summary>
    public bool FlushQueued { get; set; }

    /// <summary>The RFC 9293 state name, for diagnostics and tests.</summary>
    public string StateName => Phase switch
    {
        TcpPhase.Connecting => "LISTEN",
        TcpPhase.SynReceived => "SYN-RECEIVED",
        TcpPhase.SynSent => "SYN-SENT",
        TcpPhase.TimeWait => "TIME-WAIT",
        TcpPhase.Closed => "CLOSED",
        _ when _finSent && _guestFin => _finAcked ? "TIME-WAIT" : (_closedFirst ? "CLOSING" : "LAST-ACK"),
        _ when _finSent => _finAcked ? "FIN-WAIT-2" : "FIN-WAIT-1",
        _ when _guestFin => "CLOSE-WAIT",
        _ => "ESTABLISHED",
    };

    /// <summary>The guest opened the connection: remember its SYN and wait for the host connect.</summary>
    public void AcceptGuestSyn(in TcpHeader syn)
    {
        Phase = TcpPhase.Connecting;
        _rcvNxt = syn.Sequence + 1;
        TakeSynOptions(syn);
        _deadline = _owner.NowMs + (long)_owner.Options.TcpConnectTimeout.TotalMilliseconds;
    }

    /// <summary>The host connection for a guest-opened connection succeeded or failed.</summary>
    public void OnHostConnected(bool success)
    {
        if (Phase != TcpPhase.Connecting)
        {
            return;
        }

        if (!success)
        {
            // Refused or unreachable on the host: the guest sees a refused connection.
            _owner.EmitTcp(this, 0, _rcvNxt, TcpFlags.Rst | TcpFlags.Ack, 0, 0, 0);
            Close(false);
            return;
        }

        _iss = _owner.NewInitialSequence();
        _sndUna = _iss;
        _sndNxt = _iss + 1;
        _sndMax = _sndNxt;
        _sendBase = _iss + 1;
        Phase = TcpPhase.SynReceived;
        SendSyn();
        ArmRto();
    }

    /// <summary>A forwarded host connection was accepted: open toward the guest.</summary>
    public void StartToGuest()
    {
        _iss = _owner.NewInitialSequence();
        _sndUna = _iss;
        _sndNxt = _iss + 1;
        _sndMax = _sndNxt;
        _sendBase = _iss + 1;
        _rcvShift = OurWindowScale;
        Phase = TcpPhase.SynSent;
        _deadline = _owner.NowMs + (long)_owner.Options.TcpConnectTimeout.TotalMilliseconds;
        SendSyn();
        ArmRto();
    }

    public void OnSegment(in TcpHeader h, ReadOnlySpan<byte> data)
    {
        LastActivity = _owner.NowMs;
        switch (Phase)
        {
            case TcpPhase.Connecting:
                if (h.Has(TcpFlags.Rst))
                {
                    Close(true);
                }

                return;
            case TcpPhase.SynSent:
                OnSegmentSynSent(h);
                return;
            case TcpPhase.TimeWait:
                if (h.Has(TcpFlags.Fin))
                {
                    SendAck();
                }

                return;
            case TcpPhase.Closed:
                return;
            case TcpPhase.SynReceived:
                if (h.Has(TcpFlags.Rst))
                {
                    Close(true);
                    return;
                }

                if (!h.Has(TcpFlags.Ack))
                {
                    if (h.Has(TcpFlags.Syn))
                    {
                        SendSyn();
                    }

                    return;
                }

                if (h.Acknowledgment != _iss + 1)
                {
                    _owner.EmitTcp(this, h.Acknowledgment, 0, TcpFlags.Rst, 0, 0, 0);
                    return;
                }

                Phase = TcpPhase.Established;
                _sndUna = _iss + 1;
                _rtoDeadline = 0;
                _retries = 0;
                SampleRtt(h.Acknowledgment);
                PumpFromHost();
                break;
        }

        OnSegmentEstablished(h, data);
    }

    private void OnSegmentSynSent(in TcpHeader h)
    {
        bool ackOk = h.Has(TcpFlags.Ack) && h.Acknowledgment == _iss + 1;
        if (h.Has(TcpFlags.Ack) && !ackOk)
        {
            if (!h.Has(TcpFlags.Rst))
            {
                _owner.EmitTcp(this, h.Acknowledgment, 0, TcpFlags.Rst, 0, 0, 0);
            }

            return;
        }

        if (h.Has(TcpFlags.Rst))
        {
            if (ackOk)
            {
                Close(true);
            }

            return;
        }

        if (!h.Has(TcpFlags.Syn) || !ackOk)
        {
            return;
        }

        _rcvNxt = h.Sequence + 1;
        TakeSynOptions(h);
        _sndUna = _iss + 1;
        _sndWnd = h.Window;
        _rtoDeadline = 0;
        _retries = 0;
        SampleRtt(h.Acknowledgment);
        Phase = TcpPhase.Established;
        _ackPending = true;
        RequestFlush();
        PumpFromHost();
    }

    private void OnSegmentEstablished(in TcpHeader h, ReadOnlySpan<byte> data)
    {
        if (h.Has(TcpFlags.Rst))
        {
            // Accept a RST anywhere in the receive window (RFC 9293 3.10.7.4, without challenge ACKs).
            uint offset = h.Sequence - _rcvNxt;
            if (offset <= (uint)Math.Max(_toHost.Free, 1))
            {
                Close(true);
            }

            return;
        }

        if (h.Has(TcpFlags.Syn))
        {
            _ackPending = true;
            RequestFlush();
            return;
        }

        if (!h.Has(TcpFlags.Ack))
        {
            return;
        }

        uint ack = h.Acknowledgment;
        if (SeqGt(ack, _sndMax))
        {
            _ackPending = true;
            RequestFlush();
            return;
        }

        long oldWindow = _sndWnd;
        _sndWnd = (long)h.Window << _sndShift;
        if (SeqGt(ack, _sndUna))
        {
            if (SeqGt(ack, _sendBase))
            {
                int n = (int)Math.Min(ack - _sendBase, (uint)_toGuest.Count);
                _toGuest.Drop(n);
                _sendBase += (uint)n;
            }

            // Grow by the bytes acknowledged (RFC 3465 style): a guest taking large segments ACKs ~40 segments at once.
            _cwnd = Math.Min(_cwnd + Math.Max(_mss, ack - _sndUna), 4L * BufferSize);
            _sndUna = ack;
            if (SeqLt(_sndNxt, ack))
            {
                _sndNxt = ack;
            }

            if (_finSent && SeqGt(ack, _finSeq))
            {
                _finAcked = true;
            }

            SampleRtt(ack);
            _retries = 0;
            _dupAcks = 0;
            _rtoDeadline = _sndUna != _sndMax ? _owner.NowMs + _rto : 0;
            PumpFromHost();
        }
        else if (ack == _sndUna && data.IsEmpty && !h.Has(TcpFlags.Fin) && _sndWnd == oldWindow &&
            _sndUna != _sndMax)
        {
            if (++_dupAcks == 3)
            {
                // Fast retransmit: resend the first unacknowledged segment.
                _owner.Counters.TcpRetransmission();
                _cwnd = Math.Max(_cwnd / 2, 2L * _mss);
                _rttTiming = false;
                SendData(_sndUna, Math.Min(_mss, _toGuest.Count));
            }
        }

        if (!data.IsEmpty || h.Has(TcpFlags.Fin))
        {
            ReceiveData(h.Sequence, data, h.Has(TcpFlags.Fin));
        }
        else if (h.Sequence != _rcvNxt)
        {
            // An unacceptable segment is answered with an ACK (RFC 9293 3.10.7.4). Zero-window probes and keepalives
            // are exactly that (sequence rcvNxt - 1): left unanswered, a guest whose window update was lost waits in
            // its persist timer's backoff, and an idle connection's keepalives kill it.
            _ackPending = true;
        }

        RequestFlush();
    }

    private void ReceiveData(uint seq, ReadOnlySpan<byte> data, bool fin)
    {
        _ackPending = true;
        if (_guestFin)
        {
            return;
        }

        int offset = (int)(seq - _rcvNxt);
        if (offset <= 0)
        {
            int skip = -offset;
            if (skip > data.Length)
            {
                return;
            }

            ReadOnlySpan<byte> fresh = data[skip..];
            int taken = _toHost.Write(fresh);
            _rcvNxt += (uint)taken;
            if (taken == fresh.Length && fin)
            {
                TakeFin();
            }

            DrainOutOfOrder();
            PumpToHost();
            return;
        }

        // Ahead of a hole: keep what fits in the window (the dup-ACK asks for the hole).
        int room = _toHost.Free - offset;
        if (room <= 0 || _outOfOrder.Count >= MaxOutOfOrder)
        {
            return;
        }

        int keep = Math.Min(room, data.Length);
        if (keep > 0)
        {
            int at = 0;
            while (at < _outOfOrder.Count && SeqLt(_outOfOrder[at].Sequence, seq))
            {
                at++;
            }

            _outOfOrder.Insert(at, new OutOfOrderSegment(seq, data[..keep].ToArray()));
        }

        if (fin && keep == data.Length)
        {
            _haveOutOfOrderFin = true;
            _outOfOrderFinSeq = seq + (uint)data.Length;
        }
    }

    private void DrainOutOfOrder()
    {
        while (_outOfOrder.Count > 0 && SeqLeq(_outOfOrder[0].Sequence, _rcvNxt))
        {
            OutOfOrderSegment segment = _outOfOrder[0];
            _outOfOrder.RemoveAt(0);
            uint skip = _rcvNxt - segment.Sequence;
            if (skip < (uint)segment.Data.Length)
            {
                _rcvNxt += (uint)_toHost.Write(segment.Data.AsSpan((int)skip));
            }
        }

        if (_haveOutOfOrderFin && _rcvNxt == _outOfOrderFinSeq)
        {
            _haveOutOfOrderFin = false;
            TakeFin();
        }
    }

    private void TakeFin()
    {
        _rcvNxt++;
        _guestFin = true;
        _outOfOrder.Clear();
    }

    /// <summary>Sends whatever the state calls for: data within the windows, a FIN, a pending ACK.</summary>
    public void Flush()
    {
        if (Phase != TcpPhase.Established)
        {
            return;
        }

        if (!_guestBusy)
        {
            PumpToGuestData();
        }

        if (_ackPending)
        {
            SendAck();
        }

        PumpToHost();
        CheckDone();
    }

    private void PumpToGuestData()
    {
        while (true)
        {
            int offset = (int)(_sndNxt - _sendBase);
            int available = _toGuest.Count - offset;
            long inFlight = _sndNxt - _sndUna;
            long usable = Math.Min(_sndWnd, _cwnd) - inFlight;
            if (available > 0 && usable > 0)
            {
                int limit = _owner.GuestTakesLargeSegments
                    ? UserNetworkBackend.MaxLargeSegmentPayload / _mss * _mss
                    : _mss;
                int length = (int)Math.Min(Math.Min(available, limit), usable);
                if (!SendData(_sndNxt, length))
                {
                    return;
                }

                if (!_rttTiming && _sndNxt == _sndMax)
                {
                    _rttTiming = true;
                    _rttSeq = _sndNxt + (uint)length;
                    _rttStart = _owner.NowMs;
                }

                _sndNxt += (uint)length;
                if (SeqGt(_sndNxt, _sndMax))
                {
                    _sndMax = _sndNxt;
                }

                if (_rtoDeadline == 0)
                {
                    ArmRto();
                }

                continue;
            }

            if (available == 0 && _hostEof && !_finSent)
            {
                _closedFirst = !_guestFin;
                if (!_owner.EmitTcp(this, _sndNxt, _rcvNxt, TcpFlags.Fin | TcpFlags.Ack, WindowField(), 0, 0))
                {
                    _guestBusy = true;
                    return;
                }

                _ackPending = false;
                _finSeq = _sndNxt;
                _finSent = true;
                _sndNxt++;
                if (SeqGt(_sndNxt, _sndMax))
                {
                    _sndMax = _sndNxt;
                }

                if (_rtoDeadline == 0)
                {
                    ArmRto();
                }
            }

            // Zero window with data waiting and nothing in flight: probe so a lost window update cannot deadlock.
            // "Nothing in flight" counts from _sndNxt, which a retransmission timeout rewinds to _sndUna: data sent
            // before the window closed is then resent by the probes' answer, not by the timer, which stops (it would
            // send nothing into the closed window and abort the connection after its retries).
            if (available > 0 && _sndWnd == 0 && _sndNxt == _sndUna)
            {
                _rtoDeadline = 0;
                if (_persistDeadline == 0)
                {
                    _persistInterval = _rto;
                    _persistDeadline = _owner.NowMs + _persistInterval;
                }
            }
            else
            {
                _persistDeadline = 0;
            }

            return;
        }
    }

    private bool SendData(uint seq, int length)
    {
        int offset = (int)(seq - _sendBase);
        if (length <= 0 || offset < 0 || offset + length > _toGuest.Count)
        {
            return true;
        }

        bool last = offset + length == _toGuest.Count;
        TcpFlags flags = TcpFlags.Ack | (last ? TcpFlags.Psh : TcpFlags.None);
        if (!_owner.EmitTcp(this, seq, _rcvNxt, flags, WindowField(), offset, length, _toGuest, segmentSize: _mss))
        {
            _guestBusy = true;
            _cwnd = Math.Max(_cwnd / 2, 2L * _mss);
            return false;
        }

        _ackPending = false;
        return true;
    }

    private void SendAck()
    {
        if (_owner.EmitTcp(this, _sndNxt, _rcvNxt, TcpFlags.Ack, WindowField(), 0, 0))
        {
            _ackPending = false;
        }
        else
        {
            // The guest's NIC had no room: the tick retries. Waiting for the guest's next segment instead could
            // wait for good when this ACK was a window update the guest needs before it sends again.
            _guestBusy = true;
        }
    }

    private void SendSyn()
    {
        TcpFlags flags = Phase == TcpPhase.SynSent ? TcpFlags.Syn : TcpFlags.Syn | TcpFlags.Ack;
        uint ack = Phase == TcpPhase.SynSent ? 0 : _rcvNxt;
        int scale = Phase == TcpPhase.SynSent || _rcvShift != 0 ? OurWindowScale : -1;
        // The window in a SYN is never scaled.
        ushort window = (ushort)Math.Min(_toHost.Free, 65535);
        _owner.EmitTcp(this, _iss, ack, flags, window, 0, 0, null, OurMss, scale);
    }

    private ushort WindowField()
    {
        int window = Math.Min(_toHost.Free >> _rcvShift, 65535);
        _advertisedEdge = _rcvNxt + (uint)(window << _rcvShift);
        return (ushort)window;
    }

    private void TakeSynOptions(in TcpHeader syn)
    {
        _mss = syn.MaxSegmentSize == 0 ? 536 : Math.Clamp(syn.MaxSegmentSize, (ushort)64, OurMss);
        _cwnd = 10L * _mss;
        if (syn.WindowScale >= 0)
        {
            _sndShift = syn.WindowScale;
            _rcvShift = OurWindowScale;
        }
        else
        {
            _sndShift = 0;
            _rcvShift = 0;
        }

        _sndWnd = syn.Window;
    }

    private void SampleRtt(uint ack)
    {
        if (Phase is TcpPhase.SynReceived or TcpPhase.SynSent)
        {
            return;
        }

        if (!_rttTiming || SeqLt(ack, _rttSeq))
        {
            return;
        }

        _rttTiming = false;
        long sample = Math.Max(_owner.NowMs - _rttStart, 1);
        if (_srtt == 0)
        {
            _srtt = sample;
            _rttvar = sample / 2;
        }
        else
        {
            _rttvar = ((3 * _rttvar) + Math.Abs(_srtt - sample)) / 4;
            _srtt = ((7 * _srtt) + sample) / 8;
        }

        _rto = Math.Clamp(_srtt + Math.Max(10, 4 * _rttvar), MinRtoMs, MaxRtoMs);
    }

    private void ArmRto() => _rtoDeadline = _owner.NowMs + _rto;

    /// <summary>
    /// A forwarded connection's SYN to the guest went unanswered. The guest leg is a virtual link, so silence means the
    /// guest's interface or stack is not up yet (it is booting), not congestion: retry every second, without backoff,
    /// until the connect timeout, so the host's client gets through as soon as the guest listens.
    /// </summary>
    private void RetrySynToGuest(long now)
    {
        if (now >= _deadline)
        {
            Abort();
            return;
        }

        _owner.Counters.TcpRetransmission();
        _rttTiming = false;
        _rtoDeadline = Math.Min(now + SynRetryToGuestMs, _deadline);
        SendSyn();
    }

    /// <summary>Timers: connect timeout, retransmission, persist probe, TIME-WAIT, idle timeout, guest busy retry.</summary>
    public void OnTick(long now)
    {
        if (Phase == TcpPhase.Closed)
        {
            return;
        }

        if (Phase == TcpPhase.TimeWait)
        {
            if (now >= _deadline)
            {
                Close(false);
            }

            return;
        }

        if (Phase == TcpPhase.Connecting)
        {
            if (now >= _deadline)
            {
                _owner.EmitTcp(this, 0, _rcvNxt, TcpFlags.Rst | TcpFlags.Ack, 0, 0, 0);
                Close(false);
            }

            return;
        }

        if (now - LastActivity > (long)_owner.Options.TcpIdleTimeout.TotalMilliseconds)
        {
            Abort();
            return;
        }

        if (_guestBusy)
        {
            _guestBusy = false;
            RequestFlush();
        }

        if (_rtoDeadline != 0 && now >= _rtoDeadline)
        {
            OnRetransmitTimeout(now);
        }

        if (_persistDeadline != 0 && now >= _persistDeadline && Phase == TcpPhase.Established)
        {
            // Window probe: an already-acknowledged sequence number makes the guest answer with its current window.
            _owner.EmitTcp(this, _sndUna - 1, _rcvNxt, TcpFlags.Ack, WindowField(), 0, 0);
            _persistInterval = Math.Min(_persistInterval * 2, MaxRtoMs);
            _persistDeadline = now + _persistInterval;
        }
    }

    private void OnRetransmitTimeout(long now)
    {
        if (Phase == TcpPhase.SynSent)
        {
            RetrySynToGuest(now);
            return;
        }

        if (++_retries > MaxRetries)
        {
            Abort();
            return;
        }

        _owner.Counters.TcpRetransmission();
        _rto = Math.Min(_rto * 2, MaxRtoMs);
        _rtoDeadline = now + _rto;
        _rttTiming = false;
        switch (Phase)
        {
            case TcpPhase.SynReceived:
            case TcpPhase.SynSent:
                SendSyn();
                return;
            case TcpPhase.Established:
                // Go back to the first unacknowledged byte and restart slowly.
                _sndNxt = _sndUna;
                if (_finSent && SeqLeq(_sndNxt, _finSeq))
                {
                    _finSent = false;
                }

                _cwnd = _mss;
                _guestBusy = false;
                RequestFlush();
                return;
        }
    }

    /// <summary>Host bytes arrived in the free space of the to-guest buffer (0 = host closed, negative = error).</summary>
    public void OnHostRead(int n)
    {
        _hostReading = false;
        if (Phase == TcpPhase.Closed)
        {
            return;
        }

        if (n < 0)
        {
            Abort();
            return;
        }

        if (n == 0)
        {
            _hostEof = true;
        }
        else
        {
            _toGuest.Commit(n);
            LastActivity = _owner.NowMs;
        }

        RequestFlush();
        PumpFromHost();
    }

    /// <summary>A host send of the to-host buffer's head finished (negative = error).</summary>
    public void OnHostWritten(int n)
    {
        _hostWriting = false;
        if (Phase == TcpPhase.Closed)
        {
            return;
        }

        if (n < 0)
        {
            Abort();
            return;
        }

        _toHost.Drop(n);
        // Tell the guest the window opened only when it matters: the window it knows has fallen below half the buffer
        // and a quarter more is free, or it was (nearly) closed. Every ACK costs the guest an interrupt, and ACKs for
        // its data carry the new window anyway, so an update per host write would double the ACK rate.
        uint edge = _rcvNxt + (uint)(Math.Min(_toHost.Free >> _rcvShift, 65535) << _rcvShift);
        uint previousWindow = _advertisedEdge - _rcvNxt;
        int opened = (int)(edge - _advertisedEdge);
        if ((previousWindow < BufferSize / 2 && opened >= BufferSize / 4) || (previousWindow < _mss && opened > 0))
        {
            _ackPending = true;
        }

        RequestFlush();
    }

    private void PumpFromHost()
    {
        if (Host is null || _hostEof || _hostReading || Phase != TcpPhase.Established || _toGuest.Free < 2048)
        {
            return;
        }

        _hostReading = true;
        Memory<byte> space = _toGuest.WritableSegment();
        _owner.StartHostRead(this, space[..Math.Min(space.Length, 64 * 1024)]);
    }

    private void PumpToHost()
    {
        if (Host is null || _hostWriting || Phase != TcpPhase.Established)
        {
            return;
        }

        if (_toHost.Count > 0)
        {
            _hostWriting = true;
            _owner.StartHostWrite(this, _toHost.ReadableSegment());
        }
        else if (_guestFin && !_hostShutdown)
        {
            _hostShutdown = true;
            try
            {
                Host.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // The host side is already gone; the read side will report it.
            }
        }
    }

    private void CheckDone()
    {
        if (Phase == TcpPhase.Established && _guestFin && _finAcked && _hostShutdown && !_hostWriting)
        {
            if (_closedFirst)
            {
                Phase = TcpPhase.TimeWait;
                _deadline = _owner.NowMs + (long)_owner.Options.TimeWait.TotalMilliseconds;
                _rtoDeadline = 0;
                _persistDeadline = 0;
                DisposeHost(false);
            }
            else
            {
                Close(false);
            }
        }
    }

    private void RequestFlush() => _owner.QueueFlush(this);

    /// <summary>Resets both sides: RST to the guest and to the host.</summary>
    public void Abort()
    {
        bool guestKnows = Phase is TcpPhase.SynReceived or TcpPhase.Established or TcpPhase.SynSent;
        if (guestKnows && !_owner.EmitTcp(this, _sndNxt, _rcvNxt, TcpFlags.Rst | TcpFlags.Ack, 0, 0, 0))
        {
            _owner.RetryReset(Key, _sndNxt, _rcvNxt);
        }

        Close(true);
    }

    /// <summary>Forgets the connection; <paramref name="resetHost"/> closes the host socket with a RST.</summary>
    public void Close(bool resetHost)
    {
        if (Phase == TcpPhase.Closed)
        {
            return;
        }

        Phase = TcpPhase.Closed;
        DisposeHost(resetHost);
        _owner.RemoveTcp(this);
    }

    private void DisposeHost(bool reset)
    {
        Socket? host = Host;
        Host = null;
        if (host is null)
        {
            return;
        }

        try
        {
            if (reset)
            {
                host.LingerState = new LingerOption(true, 0);
            }
        }
        catch (SocketException)
        {
            // Not connected: nothing to reset.
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }

        host.Dispose();
    }

    private static bool SeqLt(uint a, uint b) => (int)(a - b) < 0;

    private static bool SeqLeq(uint a, uint b) => (int)(a - b) <= 0;

    private static bool SeqGt(uint a, uint b) => (int)(a - b) > 0;
}
