using System.Net;

namespace Vireo.Cli.Vm;

/// <summary>The daemon answered with a problem+json error; <see cref="Exception.Message"/> is its one-line detail.</summary>
internal sealed class ApiErrorException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
