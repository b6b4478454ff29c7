using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Jit;

/// <summary>
/// Finds a region: decodes from the seed with the interpreter's decoder and follows fall-throughs, in-page branches
/// and in-page jumps breadth-first, up to a size limit. Jumps off the page, indirect jumps and traps end a path, and so
/// does an entry of a region already installed on the page: the new region exits there and the run loop enters that
/// region. Without that, every later seed on a busy page compiled the page's hot code again (a kernel page collected
/// tens of regions of up to the size limit, most of them copies), and the compile thread took the second host core.
/// </summary>
internal static unsafe class RegionScanner
{
    /// <summary>
    /// Scans <paramref name="page"/> (a copy of the 4 KiB code page) from <paramref name="seed"/>, stopping at the slots
    /// set in <paramref name="installedEntries"/> (see <see cref="JitPageState.SnapshotEntries"/>); null when nothing there
    /// can be compiled.
    /// </summary>
    /// <param name="page">The page's bytes.</param>
    /// <param name="seed">Where the region starts.</param>
    /// <param name="maxInstructions">The size limit.</param>
    /// <param name="installedEntries">Entries of regions already installed (see <see cref="JitPageState.SnapshotEntries"/>).</param>
    /// <param name="executed">Instructions that have run (see <see cref="JitPageState.SnapshotExecuted"/>); null for all.</param>
    /// <param name="nextPageHalfword">The next page's first halfword as it was mapped when the region was asked for, or -1:
    /// with it, an instruction in the last halfword that continues there is compiled (behind a check that it still does).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Region? Scan(ReadOnlySpan<byte> page, int seed, int maxInstructions, ulong[] installedEntries, ulong[]? executed = null, int nextPageHalfword = -1)
    {
        var found = new Dictionary<int, RegionInstruction>();
        var queue = new Queue<int>();
        queue.Enqueue(seed);
        while (queue.Count > 0 && found.Count < maxInstructions)
        {
            int offset = queue.Dequeue();
            if ((uint)offset >= (uint)page.Length || (offset & 1) != 0 || found.ContainsKey(offset)
                || (offset != seed && JitPageState.IsEntry(installedEntries, offset))
                || (offset != seed && executed is not null && !JitPageState.IsEntry(executed, offset)))
            {
                continue;
            }

            if (!TryDecode(page, offset, nextPageHalfword, out RegionInstruction instruction))
            {
                continue;
            }

            found.Add(offset, instruction);
            switch (instruction.Op)
            {
                case JitOp.CallAndLeave:
                    break;
                case JitOp.Jal or JitOp.Jalr:
                    // A call (a link register named) returns to the next instruction, which becomes an entry.
                    if (instruction.Decoded.Rd != HartState.SinkRegister)
                    {
                        queue.Enqueue(instruction.FallThrough);
                    }

                    break;
                case JitOp.JalNear:
                    // An in-page call also returns to the next instruction.
                    if (instruction.Decoded.Rd != HartState.SinkRegister)
                    {
                        queue.Enqueue(instruction.FallThrough);
                    }

                    queue.Enqueue(instruction.Target);
                    break;
                case >= JitOp.BeqNear and <= JitOp.BgeuNear:
                    queue.Enqueue(instruction.FallThrough);
                    queue.Enqueue(instruction.Target);
                    break;
                default:
                    queue.Enqueue(instruction.FallThrough);
                    break;
            }
        }

        if (found.Count == 0)
        {
            return null;
        }

        RegionInstruction[] sorted = [.. found.Values];
        Array.Sort(sorted, static (a, b) => a.Offset.CompareTo(b.Offset));
        return new Region(seed, sorted);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryDecode(ReadOnlySpan<byte> page, int offset, int nextPageHalfword, out RegionInstruction instruction)
    {
        instruction = default;
        instruction.Offset = offset;
        instruction.StraddleUpper = -1;
        ushort low = BinaryPrimitives.ReadUInt16LittleEndian(page[offset..]);
        DecodedInstruction decoded = default;
        if ((low & 3) != 3)
        {
            Decoder.DecodeCompressed(low, &decoded, offset);
        }
        else if (offset + 4 <= page.Length)
        {
            Decoder.Decode(BinaryPrimitives.ReadUInt32LittleEndian(page[offset..]), &decoded, offset);
        }
        else if (nextPageHalfword >= 0)
        {
            // Straddles the page end: compiled with the upper half the next page held, which the region checks first.
            Decoder.Decode(low | ((uint)nextPageHalfword << 16), &decoded, offset);
            instruction.StraddleUpper = nextPageHalfword;
        }
        else
        {
            // Straddles the page end and the next page was not mapped: the interpreter decodes it afresh each time.
            return false;
        }

        instruction.Decoded = decoded;
        instruction.Op = JitOpTable.Of(decoded.Handler);
        return true;
    }
}
