namespace Vireo.Machine.Memory;

/// <summary>What <see cref="MemoryAdmission.Check"/> decided.</summary>
/// <param name="Allowed">True when the VM may be created or started.</param>
/// <param name="Reason">One line saying why (the API's 409 message when refused).</param>
public sealed record AdmissionResult(bool Allowed, string Reason);
