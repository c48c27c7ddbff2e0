<?php
//向IP地址為220.181.57.216主機的9502端口發送一個hello world字符串。
$server->sendto('220.181.57.216', 9502, "hello world");
//向IPv6伺服器發送UDP數據包
$server->sendto('2600:3c00::f03c:91ff:fe73:e98f', 9501, "hello world");
