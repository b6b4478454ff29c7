using Vireo.Cpu.Interpreter;

namespace Vireo.Cpu.Jit;

/// <summary>
/// The interpreter with a region JIT on top: hot code of a decoded page is compiled to host code (through IL and the
/// .NET JIT) in the background and installed in place of the interpreter's slot handler; everything the compiler does
/// not translate still runs through the interpreter's handlers.
/// </summary>
public sealed class JitEngine : ICpuEngine
{
    private readonly JitOptions _options;

    /// <summary>Creates the engine with <paramref name="options"/> (defaults when null).</summary>
    public JitEngine(JitOptions? options = null)
    {
        _options = options ?? new JitOptions();
    }

    /// <inheritdoc />
    public string Name => "jit";

    /// <inheritdoc />
    public IHart CreateHart(int hartId, CpuEnvironment environment) => new Hart(hartId, environment, _options);
}
