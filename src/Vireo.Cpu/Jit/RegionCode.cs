using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Jit;

/// <summary>
/// A compiled region, bound to its hart: the slot-handler signature without the hart (the delegate closes over it, so
/// calling it needs no argument shuffling).
/// </summary>
internal unsafe delegate DecodedInstruction* RegionCode(HartState* s, DecodedInstruction* d);
