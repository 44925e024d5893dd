# ip-detect for Windows agents: prints the host's IPv4 address on the
# interface of its default route (Windows PowerShell 5.1).
$ErrorActionPreference = 'Stop'
$route = Get-NetRoute -DestinationPrefix '0.0.0.0/0' |
    Sort-Object -Property RouteMetric | Select-Object -First 1
(Get-NetIPAddress -AddressFamily IPv4 -InterfaceIndex $route.ifIndex |
    Select-Object -First 1).IPAddress
