using Vireo.Cpu.Decoding;

namespace Vireo.Cpu.Jit;

/// <summary>
/// A compiled region waiting to be installed: the compiled method bound to the hart, and the pinned copies of the
/// region's decoded slots that the code passes to interpreter handlers (they must live as long as the code).
/// </summary>
internal sealed record CompiledRegion(CompileRequest Request, Region Region, RegionCode Code, DecodedInstruction[] Copies);
