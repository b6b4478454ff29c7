using Vireo.Cpu.Interpreter;

namespace Vireo.Cpu.Jit;

/// <summary>
/// A region to compile: the requesting hart's JIT, the page (its decoded slots and a copy of its bytes in
/// <paramref name="Code"/>), the RAM page index, the code generation the copy was taken at (the region is only installed
/// if it still holds), the seed's page offset and the entry slots of the page's regions installed by then
/// (<see cref="JitPageState.SnapshotEntries"/>), where the new region stops instead of compiling their code again, and
/// the instructions known to have run (<see cref="JitPageState.SnapshotExecuted"/>; null for all), beyond which it
/// does not compile, and the next page's first halfword (-1 when it was not mapped), for an instruction that
/// straddles the page end.
/// </summary>
internal sealed record CompileRequest(RegionJit Owner, DecodedPage Page, ulong RamPage, uint Generation, int Seed, byte[] Code, ulong[] Entries, ulong[]? Executed, int NextPageHalfword = -1);
