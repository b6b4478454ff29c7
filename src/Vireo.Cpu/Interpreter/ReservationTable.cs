using System.Runtime.CompilerServices;

namespace Vireo.Cpu.Interpreter;

/// <summary>
/// The LR/SC reservations of all harts of one VM. A store by any hart must break other harts' reservations on the
/// same doubleword; stores only look at the table while some reservation is active (a counter they read through a
/// pointer), so the common case costs one load.
/// </summary>
internal sealed unsafe class ReservationTable
{
    /// <summary>Marks a hart slot that holds no reservation.</summary>
    public const ulong None = ulong.MaxValue;

    private const int MaxHarts = 1024;

    private readonly int[] _active = GC.AllocateArray<int>(1, pinned: true);
    private readonly ulong[] _reserved = new ulong[MaxHarts];
    private int _hartLimit;

    public ReservationTable()
    {
        Array.Fill(_reserved, None);
    }

    /// <summary>Number of active reservations; non-zero makes stores consult the table.</summary>
    public int* ActiveCount => (int*)Unsafe.AsPointer(ref _active[0]);

    /// <summary>Makes room for hart <paramref name="hartId"/>.</summary>
    public void Register(int hartId)
    {
        if ((uint)hartId >= MaxHarts)
        {
            throw new ArgumentOutOfRangeException(nameof(hartId), $"At most {MaxHarts} harts are supported.");
        }

        int limit;
        do
        {
            limit = Volatile.Read(ref _hartLimit);
            if (hartId < limit)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _hartLimit, hartId + 1, limit) != limit);
    }

    /// <summary>LR: reserves the doubleword holding <paramref name="physicalAddress"/>.</summary>
    public void Reserve(int hartId, ulong physicalAddress)
    {
        if (Interlocked.Exchange(ref _reserved[hartId], physicalAddress & ~7UL) == None)
        {
            Interlocked.Increment(ref _active[0]);
        }
    }

    /// <summary>SC (or reset): drops the hart's reservation; true when it was still held on <paramref name="physicalAddress"/>.</summary>
    public bool Release(int hartId, ulong physicalAddress)
    {
        ulong old = Interlocked.Exchange(ref _reserved[hartId], None);
        if (old == None)
        {
            return false;
        }

        Interlocked.Decrement(ref _active[0]);
        return old == (physicalAddress & ~7UL);
    }

    /// <summary>A store by <paramref name="hartId"/> to [<paramref name="physicalAddress"/>, +size) breaks the others' reservations there.</summary>
    public void OnStore(int hartId, ulong physicalAddress, int size)
    {
        ulong first = physicalAddress & ~7UL;
        ulong last = (physicalAddress + (ulong)size - 1) & ~7UL;
        int limit = Volatile.Read(ref _hartLimit);
        for (int i = 0; i < limit; i++)
        {
            ulong reserved = Volatile.Read(ref _reserved[i]);
            if (i != hartId && reserved != None && reserved >= first && reserved <= last
                && Interlocked.CompareExchange(ref _reserved[i], None, reserved) == reserved)
            {
                Interlocked.Decrement(ref _active[0]);
            }
        }
    }
}
