using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vireo.Host.Building;
using Vireo.Host.Lifecycle;
using Vireo.Host.Management;
using Vireo.Host.Specs;

namespace Vireo.Daemon.Api;

/// <summary>
/// Turns the host layer's typed errors into problem+json responses with a one-line <c>detail</c>: an invalid spec is
/// 400 (with every field error under <c>errors</c>), an unknown VM 404, a wrong state or a conflict 409. Anything
/// else is a bug and stays a 500 (logged by ASP.NET Core).
/// </summary>
internal sealed class ProblemFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (VmSpecException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "invalid VM specification", e.Message,
                new Dictionary<string, object?> { ["errors"] = e.Errors.Select(static x => new { path = x.Path, message = x.Message }).ToArray() });
        }
        catch (JsonException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "malformed JSON", $"{e.Path ?? "$"}: {FirstLine(e.Message)}");
        }
        catch (BadHttpRequestException e)
        {
            return Problem(e.StatusCode, "bad request", FirstLine(e.Message));
        }
        catch (ArgumentException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "bad request", FirstLine(e.Message));
        }
        catch (VmNotFoundException e)
        {
            return Problem(StatusCodes.Status404NotFound, "no such VM", e.Message);
        }
        catch (VmStateException e)
        {
            return Problem(StatusCodes.Status409Conflict, "wrong state", e.Message, new Dictionary<string, object?> { ["state"] = e.State.ToString().ToLowerInvariant() });
        }
        catch (VmConflictException e)
        {
            return Problem(StatusCodes.Status409Conflict, "conflict", e.Message);
        }
        catch (VmBuildException e)
        {
            return Problem(StatusCodes.Status409Conflict, "the VM could not be built", e.Message,
                new Dictionary<string, object?> { ["errors"] = new[] { new { path = e.Error.Path, message = e.Error.Message } } });
        }
        catch (VmOperationException e)
        {
            return Problem(StatusCodes.Status409Conflict, "the request did not succeed", e.Message);
        }
    }

    internal static IResult Problem(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
